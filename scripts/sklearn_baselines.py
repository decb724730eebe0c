"""Measures the scikit-learn baselines the data-set examples print beside
their own results, under the same protocols, and writes them to
examples/sklearn_baselines.json (the examples read it; no Python at run time).

    python3 -m venv .venv && .venv/bin/pip install scikit-learn
    .venv/bin/python scripts/sklearn_baselines.py

Protocols (each example follows the same one with tapegrad's own splits,
drawn from its own seeded RNG, so the splits are not the same examples:
compare means, with the spread over splits beside them):
  iris      10 repetitions of stratified 5-fold cross-validation (50 test
            folds of 30), features standardized on each training side;
            LogisticRegression() with scikit-learn's defaults (C=1, lbfgs).
  digits    10 stratified 80/20 splits (360 test images each), features
            standardized on the training side; LogisticRegression, an
            MLPClassifier of the example's shape (64-128-10, ReLU, Adam), and
            an RBF SVC (scikit-learn's own digits example uses one).
  diabetes  20 random 80/20 splits (89 test patients; tapegrad rounds to 88), scaled features as
            load_diabetes() gives them; LinearRegression (ordinary least
            squares), R^2 on the test side.
"""

import json
import platform
import time
from pathlib import Path

import numpy as np
import sklearn
from sklearn.datasets import load_diabetes, load_digits, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score
from sklearn.model_selection import RepeatedStratifiedKFold, ShuffleSplit, StratifiedShuffleSplit
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

OUT = Path(__file__).resolve().parent.parent / "examples" / "sklearn_baselines.json"


def summary(scores, seconds):
    scores = np.asarray(scores)
    return {
        "mean": float(scores.mean()),
        "std": float(scores.std()),
        "min": float(scores.min()),
        "max": float(scores.max()),
        "runs": int(len(scores)),
        "seconds_per_fit": seconds / len(scores),
    }


def evaluate(model_factory, x, y, splits, score):
    scores, start = [], time.perf_counter()
    for train, test in splits:
        model = model_factory()
        model.fit(x[train], y[train])
        scores.append(score(y[test], model.predict(x[test])))
    return summary(scores, time.perf_counter() - start)


def accuracy(truth, predicted):
    return float(np.mean(truth == predicted))


def main():
    results = {
        "generated_by": "scripts/sklearn_baselines.py",
        "sklearn_version": sklearn.__version__,
        "machine": f"{platform.machine()}, {platform.processor() or 'unknown processor'}",
    }

    iris = load_iris()
    folds = list(RepeatedStratifiedKFold(n_splits=5, n_repeats=10, random_state=0).split(iris.data, iris.target))
    results["iris"] = {
        "protocol": "10 x stratified 5-fold cross-validation (50 test folds of 30), standardized features",
        "LogisticRegression": evaluate(
            lambda: make_pipeline(StandardScaler(), LogisticRegression()), iris.data, iris.target, folds, accuracy
        ),
    }

    digits = load_digits()
    splits = list(
        StratifiedShuffleSplit(n_splits=10, test_size=0.2, random_state=0).split(digits.data, digits.target)
    )
    results["digits"] = {
        "protocol": "10 stratified 80/20 splits (360 test images each), standardized features",
        "LogisticRegression": evaluate(
            lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
            digits.data, digits.target, splits, accuracy,
        ),
        "MLPClassifier 64-128-10": evaluate(
            lambda: make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(128,), max_iter=500, random_state=0)),
            digits.data, digits.target, splits, accuracy,
        ),
        "SVC (RBF)": evaluate(lambda: make_pipeline(StandardScaler(), SVC()), digits.data, digits.target, splits, accuracy),
    }

    diabetes = load_diabetes()
    splits = list(ShuffleSplit(n_splits=20, test_size=0.2, random_state=0).split(diabetes.data))
    results["diabetes"] = {
        "protocol": "20 random 80/20 splits (89 test patients each), scaled features",
        "LinearRegression": evaluate(LinearRegression, diabetes.data, diabetes.target, splits, r2_score),
    }

    OUT.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    for name in ("iris", "digits", "diabetes"):
        for model, s in results[name].items():
            if isinstance(s, dict):
                print(f"{name:9} {model:26} {s['mean']:.4f} +- {s['std']:.4f} over {s['runs']} "
                      f"(min {s['min']:.4f}, max {s['max']:.4f}), {1000 * s['seconds_per_fit']:.1f} ms a fit")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
