#!/usr/bin/env python3
"""Result export benchmark: `yusuan sql -c "select * from line_items" > /dev/null` in every
output format, against DuckDB's and Polars' CSV export of the same rows.

    python3 benches/export/run.py [--sizes 10M,100M] [--runs 2] [--formats csv,table,...]

Uses the query harness's datasets (benches/compare/run.py: `yusuan gen`, kept under
target/bench-data/) and its peers (target/bench-venv). For each size and format it runs a
fresh `yusuan sql` process writing to /dev/null and records wall time and peak RSS
(wait4); DuckDB runs `COPY (SELECT * FROM read_parquet(…, hive_partitioning = true)) TO
'/dev/null' (FORMAT csv, HEADER)` and Polars `scan_parquet(…).sink_csv('/dev/null')` over
the same files, each in a fresh process. The issue's goal: every format under 1 GiB peak
and within 2x DuckDB's CSV export time. Results: benches/results/<date>-export-<size>.{json,md}.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compare"))
import run as harness  # noqa: E402  (benches/compare/run.py)

FORMATS = ["csv", "table", "box", "json", "ndjson", "markdown", "line"]
PEER_CODE = {
    "duckdb": (
        "import duckdb, sys\n"
        "con = duckdb.connect()\n"
        "con.execute(\"COPY (SELECT * FROM read_parquet('\" + sys.argv[1] + \"', hive_partitioning = true)) "
        "TO '/dev/null' (FORMAT csv, HEADER)\")\n"
    ),
    "polars": (
        "import polars as pl, sys\n"
        "pl.scan_parquet(sys.argv[1], hive_partitioning=True).sink_csv('/dev/null')\n"
    ),
}


def best(cmd, runs):
    walls, rss = [], 0
    for _ in range(runs):
        with open(os.devnull, "wb") as null:
            wall, r, code, err = harness.run_measured(cmd, stdout_file=null)
        if code != 0:
            return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {code}"}
        walls.append(wall)
        rss = max(rss, r)
    return {"wall": min(walls), "rss": rss}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10M,100M")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--formats", default=",".join(FORMATS))
    args = ap.parse_args()
    harness.ensure_yusuan()
    py = harness.ensure_peers()
    for size_text in args.sizes.split(","):
        size = harness.parse_size(size_text)
        data = harness.ensure_data(size)
        count = subprocess.run(
            [str(harness.YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c",
             "select count(*) from line_items"], capture_output=True, text=True, check=True)
        rows = int(count.stdout.split()[-1])
        glob = str(data / "line_items" / "*" / "*.parquet")
        results = {"size": size_text, "rows": rows, "dataset": data.name,
                   "machine": harness.machine(py), "yusuan": {}, "peers": {}}
        for f in args.formats.split(","):
            cmd = [str(harness.YUSUAN), "sql", "--data", str(data), "--format", f, "-c",
                   "select * from line_items"]
            results["yusuan"][f] = best(cmd, args.runs)
            print(f"{size_text} yusuan {f}: {results['yusuan'][f]}", file=sys.stderr)
        if py:
            for engine, code in PEER_CODE.items():
                results["peers"][engine] = best([str(py), "-c", code, glob], args.runs)
                print(f"{size_text} {engine} csv: {results['peers'][engine]}", file=sys.stderr)
        date = datetime.date.today().isoformat()
        out = harness.RESULTS / f"{date}-export-{size_text}"
        out.with_suffix(".json").write_text(json.dumps(results, indent=2))
        out.with_suffix(".md").write_text(markdown(results))
        print(markdown(results))


def markdown(r):
    duck = r["peers"].get("duckdb", {}).get("wall")
    lines = [
        f"# `select * from line_items` to /dev/null, {r['rows']:,} rows ({r['dataset']})",
        "",
        "| engine | format | wall s | rows/s | peak RSS | × DuckDB CSV |",
        "|---|---|---:|---:|---:|---:|",
    ]

    def row(engine, fmt, m):
        if "error" in m:
            lines.append(f"| {engine} | {fmt} | error: {m['error']} | | | |")
            return
        ratio = f"{m['wall'] / duck:.2f}" if duck else "—"
        lines.append(
            f"| {engine} | {fmt} | {m['wall']:.1f} | {r['rows'] / m['wall'] / 1e6:.2f}M | "
            f"{m['rss'] / 2**20:,.0f} MiB | {ratio} |")

    for f, m in r["yusuan"].items():
        row("yusuan", f, m)
    for e, m in r["peers"].items():
        row(e, "csv", m)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
