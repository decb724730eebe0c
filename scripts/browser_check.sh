#!/usr/bin/env bash
# Looks at the training report as a person would: opens it in headless
# Chromium, takes a full-page screenshot, and fails if the page logged a
# console error, tried to fetch anything, or shows an empty chart.
#
#     scripts/browser_check.sh                 # runs the moons example with --report, checks its page
#     scripts/browser_check.sh some-report.html
#
# Installs Debian's chromium if it is missing (apt-get, as root or through
# sudo) and playwright-core (npm, into target/browser-check/; it drives the
# installed Chromium and downloads no browser). Writes the screenshot to
# target/browser-check/report.png. Not part of `cargo test`: it needs a
# browser.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/browser-check"
mkdir -p "$work"

if ! command -v chromium >/dev/null 2>&1; then
    echo "== installing Debian's chromium"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
if [ ! -f "$work/node_modules/playwright-core/package.json" ]; then
    echo "== installing playwright-core into $work"
    (cd "$work" && npm install --silent --no-audit --no-fund --no-save playwright-core@1.65.1)
fi

if [ $# -ge 1 ]; then
    report=$(realpath "$1")
else
    echo "== cargo run --release --example moons -- --report (in $work)"
    (cd "$work" && cargo run --quiet --release --manifest-path "$root/Cargo.toml" --example moons -- --report >/dev/null)
    report="$work/moons-report.html"
fi

echo "== opening $report in $(chromium --version 2>/dev/null || echo chromium)"
node "$root/scripts/browser_check.cjs" "$report" "$work/report.png" "$work"
