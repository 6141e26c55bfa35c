#!/bin/sh
# Runs a report over the bundled sample (or --data DIR) and takes a screenshot of its page
# with headless Chromium (Debian/Ubuntu: apt-get install chromium fonts-noto-cjk).
# Usage: reports/screenshot.sh REPORT_DIR OUT.png [yusuan report run options…]
# Example: reports/screenshot.sh reports/overview docs/report-overview.png
set -eu
report=$1; png=$2; shift 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
folder=$(cargo run -q -- report run "$report" --out "$out" "$@")
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,2200 \
  --screenshot="$png" "file://$folder/index.html" 2>/dev/null
echo "$png"
