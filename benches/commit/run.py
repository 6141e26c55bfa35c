#!/usr/bin/env python3
"""What a commit costs as the dataset grows, and what many small commits cost the queries.

    python3 benches/commit/run.py [--sizes 10M,100M] [--commits 1000] [--runs 3]

For each size: a generated dataset (benches/compare's, under target/bench-data), copied
so that the compare harness's stays fresh; then

1. one-document ingests (`yusuan ingest` of a new document, a fresh process each, as a
   finance bureau adds one): wall time and peak RSS of each — they must not grow with the
   dataset (target: < 1 s and < 300 MB at 100M line items on 2 cores);
2. --commits single-document ingests in a row (rendered by `yusuan gen --render` with
   another seed, so every one is new), then `yusuan compact`;
3. the portable suite and the files of queries/ (warm, best of --runs) on the fresh
   dataset, after the commits and after compact: the ratios to fresh (target: within 10 %
   after compact). The commits add documents, so the compacted dataset holds more line
   items than the fresh one; the same documents ingested into a copy of the fresh dataset
   in one commit ("bulk": the same content, one more file per table and year) are the
   content-equal baseline, timed too.

Results: benches/results/<date>-commit-<size>.json and .md. Needs a release build
(`cargo build --release`; built here when missing).
"""

import argparse
import datetime
import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "compare"))
import run as harness  # noqa: E402  (benches/compare/run.py: datasets, timing, the suites)

ROOT = harness.ROOT
YUSUAN = harness.YUSUAN
RESULTS = harness.RESULTS
WORK = ROOT / "target" / "bench-commit"


def geomean(xs):
    xs = [x for x in xs if x]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def ingest(data, doc):
    wall, rss, code, err = harness.run_measured([str(YUSUAN), "ingest", "-q", "--data", str(data), str(doc)])
    if code != 0:
        sys.exit(f"ingest of {doc} failed: {err}")
    return wall, rss


def line_items(data):
    out = subprocess.run([str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c",
                          "select count(*) from line_items"], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[-1])


def suite_times(data, runs):
    out = {}
    files = sorted(harness.SUITE.glob("*.sql")) + sorted((ROOT / "queries").glob("*.sql"))
    for q in files:
        r = harness.yusuan_warm(data, q, runs)
        out[q.stem] = r.get("warm")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10M,100M")
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    harness.ensure_yusuan()
    WORK.mkdir(parents=True, exist_ok=True)
    rendered = WORK / f"rendered-{args.commits}"
    if not rendered.exists():
        units = 50
        districts = max(1, math.ceil((args.commits + 5) / units))
        tmp = WORK / "render-gen"
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run([str(YUSUAN), "gen", "--out", str(tmp), "--districts", str(districts), "--units",
                        str(units), "--years", "2024-2024", "--seed", "99", "--render", str(rendered), "-q"],
                       check=True)
        shutil.rmtree(tmp)
    docs = sorted(rendered.iterdir())
    stamp = datetime.date.today().isoformat()
    for s in args.sizes.split(","):
        size = harness.parse_size(s)
        fresh = harness.ensure_data(size)
        data = WORK / f"{fresh.name}-commits"
        shutil.rmtree(data, ignore_errors=True)
        print(f"[{s}] copying {fresh.name} …", file=sys.stderr)
        shutil.copytree(fresh, data)
        print(f"[{s}] one-document ingests …", file=sys.stderr)
        singles = [ingest(data, d) for d in docs[:5]]
        print(f"[{s}] {args.commits} single-document commits …", file=sys.stderr)
        t0 = time.perf_counter()
        many = [ingest(data, d) for d in docs[5:5 + args.commits]]
        commits_wall = time.perf_counter() - t0
        print(f"[{s}] queries: fresh, after the commits …", file=sys.stderr)
        base = suite_times(fresh, args.runs)
        after = suite_times(data, args.runs)
        wall, rss, code, err = harness.run_measured([str(YUSUAN), "compact", "--data", str(data)])
        if code != 0:
            sys.exit(f"compact failed: {err}")
        compact = {"wall": wall, "rss": rss}
        print(f"[{s}] queries after compact …", file=sys.stderr)
        compacted = suite_times(data, args.runs)
        print(f"[{s}] the same documents in one commit (bulk) …", file=sys.stderr)
        bulk_data = WORK / f"{fresh.name}-bulk"
        shutil.rmtree(bulk_data, ignore_errors=True)
        shutil.copytree(fresh, bulk_data)
        subprocess.run([str(YUSUAN), "ingest", "-q", "--data", str(bulk_data)]
                       + [str(d) for d in docs[:5 + args.commits]], check=True)
        bulk = suite_times(bulk_data, args.runs)
        items = {"fresh": line_items(fresh), "compacted": line_items(data), "bulk": line_items(bulk_data)}
        shutil.rmtree(bulk_data)
        ratios_after = {q: after[q] / base[q] for q in base if base[q] and after.get(q)}
        ratios_compacted = {q: compacted[q] / base[q] for q in base if base[q] and compacted.get(q)}
        ratios_bulk = {q: compacted[q] / bulk[q] for q in base if bulk.get(q) and compacted.get(q)}
        result = {
            "date": stamp, "size": size, "dataset": fresh.name, "machine": harness.machine(None),
            "single_ingest": [{"wall": w, "rss": r} for w, r in singles],
            "commits": {"n": len(many), "wall": commits_wall,
                        "max_wall": max((w for w, _ in many), default=None),
                        "max_rss": max((r for _, r in many), default=None)},
            "compact": compact, "fresh": base, "after_commits": after, "after_compact": compacted,
            "bulk": bulk, "line_items": items,
        }
        (RESULTS / f"{stamp}-commit-{s}.json").write_text(json.dumps(result, indent=1))
        lines = [f"## One-document commits and compaction, {s} line items ({fresh.name}), {stamp}", "",
                 f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
                 f"{result['machine']['memory_gib']} GiB; {result['machine']['yusuan']}", "",
                 "| one-document ingest | wall s | peak RSS MB |", "|---|---|---|"]
        for i, (w, r) in enumerate(singles):
            lines.append(f"| {i + 1} | {w:.2f} | {r / 2**20:.0f} |")
        lines += ["", f"{len(many)} single-document commits: {commits_wall:.0f} s in all, slowest "
                  f"{result['commits']['max_wall']:.2f} s, peak RSS {result['commits']['max_rss'] / 2**20:.0f} MB; "
                  f"`yusuan compact`: {wall:.1f} s, peak RSS {rss / 2**20:.0f} MB.", "",
                  f"Line items: fresh {items['fresh']:,}, after the commits and compact "
                  f"{items['compacted']:,}, bulk {items['bulk']:,}.", "",
                  "| query | fresh s | after commits | ratio | after compact | ratio | bulk s | compact/bulk |",
                  "|---|---|---|---|---|---|---|---|"]
        for q in base:
            f = lambda v: f"{v:.3f}" if v else "—"  # noqa: E731
            lines.append(f"| {q} | {f(base[q])} | {f(after.get(q))} | {ratios_after.get(q, 0):.2f} | "
                         f"{f(compacted.get(q))} | {ratios_compacted.get(q, 0):.2f} | {f(bulk.get(q))} | "
                         f"{ratios_bulk.get(q, 0):.2f} |")
        lines += ["", f"Geomean ratio to fresh: after commits {geomean(ratios_after.values()):.3f}, "
                  f"after compact {geomean(ratios_compacted.values()):.3f}; largest after compact "
                  f"{max(ratios_compacted.values()):.3f} ({max(ratios_compacted, key=ratios_compacted.get)}). "
                  f"Compacted over bulk (same content): geomean {geomean(ratios_bulk.values()):.3f}, "
                  f"largest {max(ratios_bulk.values()):.3f} ({max(ratios_bulk, key=ratios_bulk.get)})."]
        md = "\n".join(lines)
        (RESULTS / f"{stamp}-commit-{s}.md").write_text(md + "\n")
        print(md)
        shutil.rmtree(data)


if __name__ == "__main__":
    main()
