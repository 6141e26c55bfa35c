#!/usr/bin/env python3
"""Cluster benchmark: the same queries locally and on a Ballista cluster of 1 and 2 executors.

    cargo build --release --features distributed
    python3 benches/cluster/run.py [--sizes 10M,100M] [--executors 1,2] [--runs 1]
                                   [--partitions N] [--no-check]
    python3 benches/cluster/run.py --estimate DATE     # 10 nodes, 10 billion line items

For each size (line items) it uses the dataset of the comparison harness
(target/bench-data/, generated with `yusuan gen` when missing), then times, as whole new
processes (start, open, plan, run, print to a file):

- every file of queries/ and of the portable suite (benches/compare/queries/) with
  `yusuan sql` in this process (local) and with `--cluster` on a scheduler and E executors
  started here (`yusuan cluster scheduler|executor`, loopback);
- `yusuan check` (all built-in rules) the same ways (unless --no-check).

--partitions N runs the cluster queries with `--threads N` (DataFusion's target partitions:
the tasks of each stage; yusuan's default on a cluster is one per task slot of the
executors, and every task costs a scheduling round trip) and says so in the results' name
and title.

The cores are the same in every configuration (E executors share this machine's cores:
each runs cores/E tasks at once), so the point is the cluster's overhead and its
correctness, not a speed-up: every output is compared with the local one byte for byte
and a difference is reported. Best of --runs. Results: benches/results/<date>-cluster-<size>.md
and .json.
"""

import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "compare"))
import run as compare  # noqa: E402  (the comparison harness: sizes, datasets, timing)

ROOT = compare.ROOT
RESULTS = compare.RESULTS
YUSUAN = compare.YUSUAN


def free_port_pair():
    while True:
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        try:
            with socket.socket() as b:
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue


def start_cluster(executors, tasks, work):
    port = free_port_pair()
    url = f"df://127.0.0.1:{port}"
    procs = [subprocess.Popen([str(YUSUAN), "cluster", "scheduler", "--bind", f"127.0.0.1:{port}"],
                              stderr=open(work / "scheduler.log", "w"))]
    for i in range(executors):
        p = free_port_pair()
        procs.append(subprocess.Popen(
            [str(YUSUAN), "cluster", "executor", "--scheduler", url, "--bind", f"127.0.0.1:{p}",
             "--concurrent-tasks", str(tasks), "--work-dir", str(work / f"executor{i}")],
            stderr=open(work / f"executor{i}.log", "w")))
    return url, procs


def stop(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


TIMEOUT = 600  # seconds one query may take before it counts as hung (and is killed)


def timed(cmd, out_path, runs):
    import threading
    best = None
    for _ in range(runs):
        with open(out_path, "wb") as f:
            # A query that hangs (a Ballista job that never finishes) is killed and
            # reported, so that the rest of the run goes on.
            timer = threading.Timer(TIMEOUT, lambda: subprocess.run(
                ["pkill", "-f", "-x", " ".join(cmd)], check=False))
            timer.start()
            wall, rss, code, err = compare.run_measured(cmd, stdout_file=f)
            timer.cancel()
            if wall >= TIMEOUT:
                return None, rss, f"no answer within {TIMEOUT} s (killed)"
        if code != 0:
            return None, rss, err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
        best = wall if best is None else min(best, wall)
    return best, rss, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10M,100M")
    ap.add_argument("--executors", default="1,2")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--partitions", type=int, default=None,
                    help="tasks per stage on the cluster (yusuan --threads); default: one per task slot of the executors")
    ap.add_argument("--no-check", action="store_true", help="leave `yusuan check` out")
    ap.add_argument("--estimate", metavar="DATE",
                    help="no runs: write the paper estimate of a 10-node cluster on 10 billion line "
                         "items from the 1-executor times of DATE's 10M and 100M results")
    args = ap.parse_args()
    if args.estimate:
        estimate(args.estimate)
        return
    if not YUSUAN.exists():
        sys.exit("build first: cargo build --release --features distributed")
    cores = os.cpu_count() or 2
    files = sorted((ROOT / "queries").glob("*.sql")) + sorted((ROOT / "benches" / "compare" / "queries").glob("*.sql"))
    date = datetime.date.today().isoformat()
    for size_text in args.sizes.split(","):
        size = compare.parse_size(size_text)
        data = compare.ensure_data(size)
        work = Path(tempfile.mkdtemp(prefix="yusuan-cluster-bench-"))
        configs = [("local", None)] + [(f"{e} executor(s)", int(e)) for e in args.executors.split(",")]
        results = {}  # config -> name -> (seconds, error)
        outputs = {}
        for label, executors in configs:
            procs = []
            cluster = []
            if executors:
                url, procs = start_cluster(executors, max(1, cores // executors), work)
                cluster = ["--cluster", url]
                if args.partitions:
                    cluster += ["--threads", str(args.partitions)]
                time.sleep(2)
            try:
                for f in files + ([] if args.no_check else ["check"]):
                    name = f if f == "check" else f.stem
                    out = work / f"{label.split()[0]}-{name}.out"
                    if f == "check":
                        cmd = [str(YUSUAN), "check", "--data", str(data), "--format", "csv", "--fail-on", "never"] + cluster
                    else:
                        cmd = [str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-f", str(f)] + cluster
                    secs, rss, err = timed(cmd, out, args.runs)
                    results.setdefault(label, {})[name] = (secs, rss, err)
                    text = out.read_bytes()
                    if f == "check":  # the findings' order is not fixed: compare sorted lines
                        text = b"\n".join(sorted(text.splitlines()))
                    outputs.setdefault(name, {})[label] = text
                    shown = f"{secs:.2f}s" if secs is not None else f"FAILED: {err}"
                    if sys.stderr.isatty():
                        print(f"  {size_text} {label:14} {name:28} {shown}", file=sys.stderr)
            finally:
                stop(procs)
        names = [f.stem for f in files] + ([] if args.no_check else ["check"])
        rows = []
        for name in names:
            local = results["local"][name][0]
            row = {"query": name, "local_s": local}
            for label, executors in configs[1:]:
                secs, _, err = results[label][name]
                same = outputs[name][label] == outputs[name]["local"]
                # Not byte-identical but the same lines: rows that tie on the ORDER BY came
                # in another order (a query whose order is not total), not a wrong answer.
                same_rows = sorted(outputs[name][label].splitlines()) == \
                    sorted(outputs[name]["local"].splitlines())
                row[label] = {"seconds": secs, "error": err, "same_as_local": same,
                              "same_rows": same_rows,
                              "ratio": (secs / local) if secs and local else None}
            rows.append(row)
        write(date, size_text, size, data, cores, configs, rows, args.partitions)


def write(date, size_text, size, data, cores, configs, rows, partitions):
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = f"-p{partitions}" if partitions else ""
    base = RESULTS / f"{date}-cluster-{size_text}{suffix}"
    base.with_suffix(".json").write_text(json.dumps(
        {"date": date, "size": size, "data": str(data), "cores": cores,
         "cluster_partitions": partitions or "slots", "rows": rows}, indent=1))
    labels = [c[0] for c in configs[1:]]
    tasks = f"{partitions} tasks per stage (--threads {partitions})" if partitions else \
        "as many tasks per stage as the executors have task slots (yusuan's default)"
    lines = [f"# Cluster vs local, {size_text} line items ({date}, {cores} cores, release build)", "",
             f"Cluster: {tasks}; each executor runs cores ÷ executors tasks at once.", "",
             "Whole processes (start, open, plan, run, print CSV to a file); best of runs. "
             "Ratio = cluster ÷ local; 'same' = output identical to local.", "",
             "| query | local s | " + " | ".join(f"{l} s | ratio | same" for l in labels) + " |",
             "|---|---:|" + "---:|---:|---|" * len(labels)]
    for r in rows:
        cells = [r["query"], f"{r['local_s']:.2f}" if r["local_s"] is not None else "failed"]
        for l in labels:
            c = r[l]
            if c["seconds"] is None:
                cells += [f"failed: {c['error']}", "", ""]
            else:
                cells += [f"{c['seconds']:.2f}", f"{c['ratio']:.2f}" if c["ratio"] else "",
                          "yes" if c["same_as_local"] else
                          "rows yes, order of ties differs" if c.get("same_rows") else "**no**"]
        lines.append("| " + " | ".join(cells) + " |")
    for l in labels:
        ok = [r for r in rows if r[l]["ratio"]]
        if ok:
            import math
            geo = math.exp(sum(math.log(r[l]["ratio"]) for r in ok) / len(ok))
            tot_l = sum(r["local_s"] for r in ok)
            tot_c = sum(r[l]["seconds"] for r in ok)
            lines.append("")
            lines.append(f"{l}: geometric mean ratio {geo:.2f}; total {tot_c:.1f} s vs {tot_l:.1f} s local; "
                         f"{sum(1 for r in rows if not r[l]['same_as_local'])} output(s) differ.")
    base.with_suffix(".md").write_text("\n".join(lines) + "\n")
    print(f"wrote {base}.md", file=sys.stderr)


def estimate(date, nodes=10, items=10_000_000_000):
    """Per query, the 1-executor times at 10M and 100M give a fixed cost a and a cost per
    line item b (t = a + b·n, two points); a node of the same cores then takes
    a + b·items/nodes for its share. Not a measurement: it assumes the work divides evenly,
    that a shuffle over a network costs what it costs on loopback here, and that the
    scheduler's per-task cost stays as measured (docs/distributed.md says more)."""
    runs = {s: json.loads((RESULTS / f"{date}-cluster-{s}.json").read_text()) for s in ("10M", "100M")}
    small, large = runs["10M"], runs["100M"]
    label = "1 executor(s)"
    by_name = {r["query"]: r for r in small["rows"]}
    lines = [f"# Paper estimate: {nodes} nodes, {items / 1e9:.0f} billion line items (from {date})", "",
             f"From the 1-executor times at {small['size'] / 1e6:.0f}M and {large['size'] / 1e6:.0f}M line items "
             f"({large['cores']} cores per executor): t = a + b·n per query; each of {nodes} nodes of "
             f"the same cores takes its share, n = {items / nodes / 1e6:.0f}M. Assumes an even split and "
             "shuffles over the network as fast as over loopback here.", "",
             "| query | 10M s | 100M s | fixed a s | per 100M items s | estimate s |",
             "|---|---:|---:|---:|---:|---:|"]
    total = 0.0
    for r in large["rows"]:
        s_row = by_name.get(r["query"])
        if not s_row or not s_row.get(label) or not r.get(label):
            continue
        t10, t100 = s_row[label]["seconds"], r[label]["seconds"]
        if t10 is None or t100 is None:
            continue
        b = max(0.0, (t100 - t10) / (large["size"] - small["size"]))
        a = max(0.0, t10 - b * small["size"])
        est = a + b * items / nodes
        total += est
        lines.append(f"| {r['query']} | {t10:.2f} | {t100:.2f} | {a:.2f} | {b * 1e8:.2f} | {est:.0f} |")
    lines += ["", f"All queries above one after another: {total:.0f} s ({total / 60:.1f} min)."]
    out = RESULTS / f"{date}-cluster-estimate.md"
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
