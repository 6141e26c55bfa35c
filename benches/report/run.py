#!/usr/bin/env python3
"""What a report run costs at scale.

    python3 benches/report/run.py [--sizes 10M,100M] [--reports overview] [--runs 3]

For each size: the generated dataset of the compare harness (benches/compare, under
target/bench-data; generated when missing), then --runs runs of
`yusuan report run reports/<name> --data DATA --out TMP -q` in fresh processes: wall time
and peak RSS (wait4) of each, the rows and files written (run.json). Target (issue 20):
the overview over 100M line items in under a minute on 2 cores.

Results: benches/results/<date>-report-<size>.json and .md. Builds the release binary
first (cargo does nothing when it is current).
"""

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "compare"))
import run as harness  # noqa: E402  (benches/compare/run.py: datasets, measuring)

ROOT = harness.ROOT
YUSUAN = harness.YUSUAN
RESULTS = harness.RESULTS


def line_items(data):
    out = subprocess.run([str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c",
                          "select count(*) from line_items"], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def one_run(report, data):
    out = Path(tempfile.mkdtemp(prefix="yusuan-report-bench-"))
    try:
        wall, rss, code, err = harness.run_measured(
            [str(YUSUAN), "report", "run", str(ROOT / "reports" / report), "--data", str(data),
             "--out", str(out), "-q"])
        if code != 0:
            sys.exit(f"report {report} failed: {err}")
        manifest = json.loads((out / report / "latest" / "run.json").read_text())
        return {
            "wall_s": round(wall, 3),
            "peak_rss_mb": round(rss / 2**20, 1),
            "rows": sum(s["rows"] for s in manifest["sections"]),
            "pages": len(manifest["pages"]),
            "files": len(manifest["files"]),
            "sections": {s["id"]: s["rows"] for s in manifest["sections"]},
        }
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10M,100M")
    ap.add_argument("--reports", default="overview")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    date = datetime.date.today().isoformat()
    for label in args.sizes.split(","):
        data = harness.ensure_data(harness.parse_size(label))
        items = line_items(data)
        result = {"date": date, "size": label, "data": data.name, "line_items": items,
                  "machine": harness.machine(None),
                  "reports": {}}
        for report in args.reports.split(","):
            runs = [one_run(report, data) for _ in range(args.runs)]
            result["reports"][report] = runs
            walls = [r["wall_s"] for r in runs]
            print(f"{label} {report}: wall {min(walls):.2f}–{max(walls):.2f} s, "
                  f"peak {max(r['peak_rss_mb'] for r in runs):.0f} MB, {runs[0]['rows']} rows, "
                  f"{runs[0]['files']} files", file=sys.stderr)
        RESULTS.mkdir(parents=True, exist_ok=True)
        stem = RESULTS / f"{date}-report-{label}"
        stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        lines = [f"# Report runs, {label} ({items:,} line items, {data.name}), {date}", "",
                 "| report | run | wall s | peak RSS MB | rows | pages | files |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for report, runs in result["reports"].items():
            for i, r in enumerate(runs, 1):
                lines.append(f"| {report} | {i} | {r['wall_s']:.2f} | {r['peak_rss_mb']:.0f} | "
                             f"{r['rows']} | {r['pages']} | {r['files']} |")
        stem.with_suffix(".md").write_text("\n".join(lines) + "\n")
        print(stem.with_suffix(".md"), file=sys.stderr)


if __name__ == "__main__":
    main()
