#!/usr/bin/env python3
"""Before/after: two yusuan builds, each on a dataset it generated itself, timed side by side.

    python3 benches/compare/ab.py --before OLD_BINARY [--after target/release/yusuan]
        [--sizes 10M,100M] [--runs 3] [--rounds 3] [--label NAME]

Results of other days ran on other machines (the cloud machine changes between sessions),
so a change to the engine or to the dataset's format is judged by timing both builds on
one machine in one sitting. Each build generates its own dataset with the same `gen`
parameters as benches/compare (the same content, each in its build's format) under
target/bench-ab/<before|after>-<size>/; then the portable suite and the files of queries/
run warm (best of --runs after a warm-up, in one process), the two builds alternating,
--rounds times, each query keeping its best time; the checks run cold (whole processes),
alternating too. Both builds must return the same rows. A build of an earlier commit:

    git worktree add ../old <commit> && (cd ../old && CARGO_TARGET_DIR=../old-target cargo build --release)

Results: benches/results/<date>-ab-<label>-<size>.json and .md.
"""

import argparse
import datetime
import json
import math
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run as harness  # noqa: E402  (the suites, timing, dataset sizes)

WORK = harness.ROOT / "target" / "bench-ab"


def gen(binary, out, size):
    units, years = 100, 10
    districts = max(1, math.ceil(size / (harness.ITEMS_PER_DOC * units * years)))
    if not (out / "_yusuan.json").exists():
        print(f"generating {out.name} …", file=sys.stderr)
        subprocess.run([str(binary), "gen", "--out", str(out), "--districts", str(districts), "--units",
                        str(units), "--years", "2015-2024", "-q"], check=True)


def warm(binary, data, q, runs):
    harness.YUSUAN = binary
    r = harness.yusuan_warm(data, q, runs)
    if "error" in r:
        sys.exit(f"{binary} failed on {q.name}: {r['error']}")
    return r["warm"], harness.yusuan_rows(data, q)


def check_cold(binary, data):
    cmd = [str(binary), "check", "--data", str(data), "--format", "csv", "--fail-on", "never"]
    r = harness.yusuan_cold(data, cmd, 1)
    if "error" in r:
        sys.exit(f"{binary} check failed: {r['error']}")
    return r["cold"]


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True, type=Path, help="the earlier build's yusuan binary")
    ap.add_argument("--after", type=Path, default=harness.YUSUAN, help="the later build (default: this tree's release build)")
    ap.add_argument("--sizes", default="10M,100M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--label", default="before-after")
    args = ap.parse_args()
    builds = {"before": args.before.resolve(), "after": args.after.resolve()}
    for name, b in builds.items():
        if not b.exists():
            sys.exit(f"--{name}: {b} does not exist")
    stamp = datetime.date.today().isoformat()
    queries = sorted(harness.SUITE.glob("*.sql")) + sorted((harness.ROOT / "queries").glob("*.sql"))
    for s in args.sizes.split(","):
        size = harness.parse_size(s)
        data = {name: WORK / f"{name}-{s}" for name in builds}
        for name, b in builds.items():
            gen(b, data[name], size)
        best = {name: {} for name in builds}
        rows = {}
        for r in range(args.rounds):
            print(f"[{s}] round {r + 1}/{args.rounds}", file=sys.stderr)
            for q in queries:
                for name, b in builds.items():
                    t, n = warm(b, data[name], q, args.runs)
                    old = best[name].get(q.stem)
                    best[name][q.stem] = t if old is None else min(old, t)
                    rows.setdefault(q.stem, {})[name] = n
            for name, b in builds.items():
                t = check_cold(b, data[name])
                old = best[name].get("checks")
                best[name]["checks"] = t if old is None else min(old, t)
        differ = [q for q, n in rows.items() if n["before"] != n["after"]]
        ratios = {q: best["after"][q] / best["before"][q] for q in best["before"]
                  if best["before"][q] and best["after"].get(q)}
        result = {"date": stamp, "size": size, "builds": {k: str(v) for k, v in builds.items()},
                  "machine": harness.machine(None), "runs": args.runs, "rounds": args.rounds,
                  "before": best["before"], "after": best["after"], "rows_differ": differ}
        out = harness.RESULTS / f"{stamp}-ab-{args.label}-{s}"
        out.with_suffix(".json").write_text(json.dumps(result, indent=1))
        m = result["machine"]
        lines = [f"## {args.label}, {s} line items, {stamp}", "",
                 f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB. Before: `{builds['before']}`; "
                 f"after: `{builds['after']}`. Warm seconds, best of {args.runs} runs × {args.rounds} "
                 "alternating rounds; the checks cold (whole process).", "",
                 "| query | before s | after s | after/before |", "|---|---|---|---|"]
        for q in best["before"]:
            lines.append(f"| {q} | {best['before'][q]:.3f} | {best['after'][q]:.3f} | {ratios.get(q, 0):.2f} |")
        worst = max(ratios, key=ratios.get)
        lines += ["", f"Geomean after/before {geomean(ratios.values()):.3f}; largest {ratios[worst]:.3f} ({worst}). "
                  + (f"Rows differ: {', '.join(differ)}." if differ else "Every query returned the same number of rows.")]
        md = "\n".join(lines)
        out.with_suffix(".md").write_text(md + "\n")
        print(md)


if __name__ == "__main__":
    main()
