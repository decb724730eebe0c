"""Writes the six scikit-learn toy data sets that tapegrad bundles, and the
checks its tests hold them to, from the files of an installed scikit-learn.

    python3 -m venv .venv && .venv/bin/pip install scikit-learn
    .venv/bin/python scripts/sklearn_datasets.py

Writes:
  datasets/data/<name>.csv   one CSV per set, as tapegrad's CSV loader reads
                             it: a header row (scikit-learn's feature names,
                             then the target columns), then one row per
                             sample; numbers in their shortest round-trip
                             form, so each parses to the very same float64.
  tests/fixtures/sklearn_datasets.json
                             per set: the sizes, names, class counts,
                             per-column sums, an FNV-1a checksum of every
                             value's float64 bits, and a few whole rows; for
                             the scaled diabetes set (computed, not stored)
                             sums, sums of squares and a float32 checksum.

The values come from scikit-learn's own loaders (load_iris() and the rest),
which read the files in sklearn/datasets/data/; the checks are computed from
those arrays, not from the CSV files written here, so a row lost or a column
shifted on the way fails the tests. The script also reads every CSV back
and compares it with the arrays before it writes anything.
"""

import csv
import hashlib
import io
import json
import math
import struct
from importlib import resources
from pathlib import Path

import numpy as np
import sklearn
from sklearn import datasets as sk

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "datasets" / "data"
CHECKS = ROOT / "tests" / "fixtures" / "sklearn_datasets.json"

# name -> (loader call, the files in sklearn/datasets/data/ it reads, classification?)
SETS = {
    "iris": (lambda: sk.load_iris(), ["iris.csv"], True),
    "wine": (lambda: sk.load_wine(), ["wine_data.csv"], True),
    "breast_cancer": (lambda: sk.load_breast_cancer(), ["breast_cancer.csv"], True),
    "digits": (lambda: sk.load_digits(), ["digits.csv.gz"], True),
    "diabetes": (
        lambda: sk.load_diabetes(scaled=False),
        ["diabetes_data_raw.csv.gz", "diabetes_target.csv.gz"],
        False,
    ),
    "linnerud": (
        lambda: sk.load_linnerud(),
        ["linnerud_exercise.csv", "linnerud_physiological.csv"],
        False,
    ),
}

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK = (1 << 64) - 1


def fnv1a(data: bytes) -> str:
    h = FNV_OFFSET
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK
    return f"{h:016x}"


def checksum(x: np.ndarray, y: np.ndarray, dtype: str = "<f8") -> str:
    """FNV-1a over the little-endian bytes of x (row-major), then y."""
    return fnv1a(np.ascontiguousarray(x, dtype=dtype).tobytes() + np.ascontiguousarray(y, dtype=dtype).tobytes())


def number(v: float) -> str:
    """The shortest text that reads back as exactly v."""
    v = float(v)
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def sha256(file_name: str) -> str:
    return hashlib.sha256((resources.files("sklearn.datasets.data") / file_name).read_bytes()).hexdigest()


def column_sums(matrix: np.ndarray) -> list:
    return [math.fsum(matrix[:, j]) for j in range(matrix.shape[1])]


def as_matrix(a: np.ndarray) -> np.ndarray:
    return a.reshape(len(a), -1).astype(np.float64)


def write_csv(name: str, header: list, rows: np.ndarray) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([number(v) for v in row])
    text = out.getvalue()
    # Read it back as a reader would, before trusting it.
    back = list(csv.reader(io.StringIO(text)))
    assert back[0] == header, f"{name}: header {back[0]} != {header}"
    assert len(back) - 1 == len(rows), f"{name}: {len(back) - 1} rows read back, {len(rows)} written"
    values = np.array([[float(v) for v in r] for r in back[1:]])
    assert np.array_equal(values, rows), f"{name}: values differ after the round trip"
    return text


def main() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    checks = {
        "generated_by": "scripts/sklearn_datasets.py",
        "sklearn_version": sklearn.__version__,
        "checksum": "FNV-1a 64 over the float64 little-endian bytes of x row-major, then y row-major",
        "sets": {},
    }
    for name, (load, sources, classification) in SETS.items():
        bunch = load()
        x = as_matrix(bunch.data)
        y = as_matrix(bunch.target)
        features = [str(f) for f in bunch.feature_names]
        if classification:
            targets = ["target"]
            classes = [str(c) for c in bunch.target_names]
        else:
            targets = [str(t) for t in bunch.target_names] if name == "linnerud" else ["target"]
            classes = None
        assert x.shape[1] == len(features) and y.shape[1] == len(targets), name
        table = np.hstack([x, y])
        text = write_csv(name, features + targets, table)
        (DATA_DIR / f"{name}.csv").write_text(text, encoding="utf-8")

        entry = {
            "sklearn_files": {f: sha256(f) for f in sources},
            "csv": f"datasets/data/{name}.csv",
            "csv_bytes": len(text.encode("utf-8")),
            "rows": int(x.shape[0]),
            "features": features,
            "targets": targets,
            "column_sums": column_sums(table),
            "checksum": checksum(x, y),
            "first_row": [float(v) for v in table[0]],
            "last_row": [float(v) for v in table[-1]],
        }
        if classification:
            labels = bunch.target.astype(int)
            entry["classes"] = classes
            entry["class_counts"] = [int(c) for c in np.bincount(labels, minlength=len(classes))]
        checks["sets"][name] = entry
        print(f"{name:14} {x.shape[0]:5} rows  {x.shape[1]:3} features  {y.shape[1]} target(s)  "
              f"{len(text):7} bytes  checksum {entry['checksum']}")

    # Fisher's values, which scikit-learn ships and UCI's iris.data gets
    # wrong (samples 35 and 38, counting from 1).
    iris = sk.load_iris().data
    checks["sets"]["iris"]["corrected_rows"] = {"34": [float(v) for v in iris[34]], "37": [float(v) for v in iris[37]]}

    # The scaled diabetes set is computed from the raw one (tapegrad does the
    # same), so it is checked to a tolerance and by a float32 checksum.
    scaled = sk.load_diabetes(scaled=True)
    xs = scaled.data.astype(np.float64)
    checks["sets"]["diabetes_scaled"] = {
        "rows": int(xs.shape[0]),
        "column_sums": column_sums(xs),
        "column_sums_of_squares": [math.fsum(xs[:, j] ** 2) for j in range(xs.shape[1])],
        "checksum_f32": checksum(xs.astype(np.float32), scaled.target.astype(np.float32), dtype="<f4"),
        "first_row": [float(v) for v in xs[0]],
        "last_row": [float(v) for v in xs[-1]],
    }
    CHECKS.write_text(json.dumps(checks, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {DATA_DIR.relative_to(ROOT)}/*.csv and {CHECKS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
