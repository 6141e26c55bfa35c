#!/usr/bin/env python3
"""Query benchmark: yusuan against DuckDB and Polars on the same Parquet files.

    python3 benches/compare/run.py [--sizes 1M,10M,100M] [--runs 3] [--no-peers]

For each size (line items) it generates a dataset with `yusuan gen` (kept under
target/bench-data/ for the next run), then times:

- the portable suite, benches/compare/queries/*.sql (plain SQL over the base tables
  line_items and documents, the same text for every engine): yusuan, DuckDB, Polars;
- every file of queries/ and the checks (`yusuan check`, also once with
  `--memory-limit 3G`): yusuan, and the same SQL on the peers with yusuan's views,
  reference tables and functions defined in their SQL (peer.py; the checks are the
  queries `yusuan check --show-sql` prints). DuckDB runs them; Polars' SQL mostly cannot
  (reported as unsupported).

Warm = best of --runs inside one process after a warm-up run; cold = best of --runs
whole new processes (start, open, plan, run, print). Peak RSS is the process's maximum
resident set (wait4). Peers run from a virtual environment the harness makes itself
(target/bench-venv, `pip install duckdb polars deltalake pyarrow`: the dataset is read through its Delta logs); when that is impossible they are
skipped with a notice. Results: benches/results/<date>-<size>.json and .md, plus
benches/results/latest.md (the newest result of every size; `--latest-only` recomposes it).
"""

import argparse
import datetime
import json
import math
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "benches" / "compare" / "queries"
RESULTS = ROOT / "benches" / "results"
DATA = ROOT / "target" / "bench-data"
VENV = ROOT / "target" / "bench-venv"
YUSUAN = ROOT / "target" / "release" / "yusuan"
ITEMS_PER_DOC = 390  # line items of one generated document (about)
CHECK_LIMIT = "3G"  # the memory limit of the second checks run

PEER = ROOT / "benches" / "compare" / "peer.py"  # runs in the venv: one engine, one file
CHECKS_SQL = ROOT / "target" / "bench-checks.sql"  # `yusuan check --show-sql`


def parse_size(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)", s.strip().upper())
    if not m:
        sys.exit(f"--sizes: '{s}' is not a size such as 1M or 100M")
    return int(float(m.group(1)) * {"": 1, "K": 10**3, "M": 10**6, "G": 10**9}[m.group(2)])


def run_measured(cmd, stdout_file=None):
    """Runs cmd with wait4: (wall seconds, peak RSS bytes, returncode, stderr text)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout_file or subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss * 1024, p.returncode, err.decode("utf-8", "replace")


def ensure_yusuan():
    if not YUSUAN.exists():
        print("building yusuan (release) …", file=sys.stderr)
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)


def ensure_data(size):
    units, years = 100, 10
    districts = max(1, math.ceil(size / (ITEMS_PER_DOC * units * years)))
    out = DATA / f"d{districts}-u{units}-y{years}"
    if not (out / "_yusuan.json").exists():
        print(f"generating {out.name} …", file=sys.stderr)
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(YUSUAN), "gen", "--out", str(out), "--districts", str(districts),
                        "--units", str(units), "--years", "2015-2024", "-q"], check=True)
    return out


def ensure_peers():
    """The venv's python, or None (with a notice) when peers cannot be installed."""
    py = VENV / "bin" / "python"
    try:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                           stdout=subprocess.DEVNULL)
        check = subprocess.run([str(py), "-c", "import duckdb, polars, deltalake, pyarrow"], capture_output=True)
        if check.returncode != 0:
            print("installing duckdb, polars and deltalake into target/bench-venv …", file=sys.stderr)
            subprocess.run([str(py), "-m", "pip", "install", "-q", "duckdb", "polars", "deltalake",
                            "pyarrow"],
                           check=True)
        return py
    except (subprocess.CalledProcessError, OSError) as e:
        print(f"notice: peers skipped (cannot install duckdb/polars: {e})", file=sys.stderr)
        return None


def yusuan_warm(data, path, runs):
    args = [str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c", ".timer on"]
    for _ in range(runs + 1):
        args += ["-f", str(path)]
    _, rss, code, err = run_measured(args)
    if code != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {code}"}
    times = [float(t) for t in re.findall(r"Run time: ([0-9.]+) s", err)]
    return {"warm": min(times[1:]) if len(times) > 1 else None, "rss": rss}


def yusuan_cold(data, cmd, runs):
    best, rss, rows = None, 0, None
    for _ in range(runs):
        with open(os.devnull, "wb") as null:
            wall, r, code, err = run_measured(cmd, stdout_file=null)
        if code not in (0, 1):  # (check exits 1 when it finds something)
            return {"error": err.strip().splitlines()[-1] if err.strip() else f"exit {code}"}
        best = wall if best is None else min(best, wall)
        rss = max(rss, r)
    return {"cold": best, "rss": rss}


def yusuan_rows(data, path):
    p = subprocess.run([str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-f", str(path)],
                       capture_output=True, text=True)
    return max(0, len(p.stdout.strip().splitlines()) - 1) if p.returncode == 0 else None


def findings_stored(data):
    """The findings the last `yusuan check` stored (its check_results table)."""
    p = subprocess.run([str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c",
                        "select count(*) from check_results"], capture_output=True, text=True)
    return int(p.stdout.split()[-1]) if p.returncode == 0 else None


def peer(py, engine, data, path, runs, flags=()):
    """The peer's cold (new process, best of runs) and warm (best of runs after a warm-up
    in one process) times of the file, peak RSS and rows; or the error."""
    cmd = lambda n: [str(py), str(PEER), engine, str(data), str(path), str(n), *flags]
    res = {}
    wall_best = None
    for _ in range(runs):
        wall, rss, code, err = run_measured(cmd(1))
        if code != 0:
            last = err.strip().splitlines()[-1] if err.strip() else f"exit {code}"
            return {"error": last[:200]}
        wall_best = wall if wall_best is None else min(wall_best, wall)
        res["rss"] = max(res.get("rss", 0), rss)
    res["cold"] = wall_best
    p = subprocess.run(cmd(runs + 1), capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": (p.stderr.strip().splitlines() or ["failed"])[-1][:200]}
    out = json.loads(p.stdout)
    res["warm"] = min(out["times"][1:])
    res["rows"] = out["rows"]
    return res


def machine(py):
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
    except OSError:
        mem = 0
    desc = {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1),
        "os": f"{platform.system()} {platform.release()}",
        "yusuan": subprocess.run([str(YUSUAN), "--version"], capture_output=True, text=True).stdout.strip(),
    }
    if py:
        v = subprocess.run([str(py), "-c", "import duckdb, polars; print(duckdb.__version__, polars.__version__)"],
                           capture_output=True, text=True).stdout.split()
        if len(v) == 2:
            desc["duckdb"], desc["polars"] = v
    return desc


def fmt(v):
    return "—" if v is None else f"{v:.3f}"


def ratio(a, b):
    return a / b if a and b else None


def markdown(size, data, items, desc, rows):
    lines = [
        f"### {items:,} line items ({data.name})",
        "",
        f"Machine: {desc['cpu']}, {desc['cores']} cores, {desc['memory_gib']} GiB, {desc['os']}; "
        f"{desc['yusuan']}, DuckDB {desc.get('duckdb', 'n/a')}, Polars {desc.get('polars', 'n/a')}. "
        "Seconds, best of the runs; warm = in one process after a warm-up, cold = a new process. "
        "Ratios compare warm times, the checks' cold ones (whole processes); below 1: yusuan "
        "faster. The files of queries/ and the checks run on the peers with yusuan's views and "
        "functions defined as peer SQL (benches/compare/peer.py); unsupported = the peer's SQL "
        "cannot run the file.",
        "",
        "| suite | query | yusuan warm | yusuan cold | yusuan RSS MiB | DuckDB warm | DuckDB cold | Polars warm | Polars cold | yusuan/DuckDB | yusuan/Polars |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    ratios = {}
    for r in rows:
        y, d, p = r["yusuan"], r.get("duckdb", {}), r.get("polars", {})
        k = "cold" if r["suite"] == "checks" else "warm"
        rd, rp = ratio(y.get(k), d.get(k)), ratio(y.get(k), p.get(k))
        for peer_name, x in (("DuckDB", rd), ("Polars", rp)):
            if x:
                ratios.setdefault((r["suite"], peer_name), []).append(x)
        note = lambda e: (e.get("error") and "unsupported") or (e.get("mismatch") and "rows differ") or None
        cell = lambda e, k: note(e) or fmt(e.get(k)) if e else "n/a"
        lines.append(
            f"| {r['suite']} | {r['query']} | {cell(y, 'warm')} | {cell(y, 'cold')} | "
            f"{(y.get('rss') or 0) / 2**20:.0f} | {cell(d, 'warm')} | {cell(d, 'cold')} | "
            f"{cell(p, 'warm')} | {cell(p, 'cold')} | {fmt(rd)} | {fmt(rp)} |"
        )
    geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None
    lines.append("")
    for suite in ("portable", "queries"):
        parts = []
        for peer_name in ("DuckDB", "Polars"):
            xs = ratios.get((suite, peer_name), [])
            if xs:
                parts.append(f"yusuan/{peer_name} {fmt(geo(xs))} over {len(xs)} (largest {fmt(max(xs))})")
        if parts:
            lines.append(f"- {suite} geomean (warm): " + "; ".join(parts))
    lines.append("")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1M,10M", help="line items per dataset, e.g. 1M,10M,100M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-peers", action="store_true", help="time yusuan alone")
    ap.add_argument("--only", help="run only queries whose name contains this")
    ap.add_argument("--suites", default="portable,queries,checks",
                    help="which suites to run (comma-separated): portable, queries, checks")
    ap.add_argument("--merge", action="store_true",
                    help="keep today's earlier results of what this run does not time")
    ap.add_argument("--latest-only", action="store_true",
                    help="only recompose latest.md from the newest result of each size")
    args = ap.parse_args()
    if args.latest_only:
        write_latest(args.runs)
        return
    ensure_yusuan()
    py = None if args.no_peers else ensure_peers()
    CHECKS_SQL.write_text(subprocess.run([str(YUSUAN), "check", "--show-sql"], capture_output=True,
                                         text=True, check=True).stdout, encoding="utf-8")
    desc = machine(py)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.date.today().isoformat()
    for s in args.sizes.split(","):
        size = parse_size(s)
        data = ensure_data(size)
        items = int(subprocess.run([str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-c",
                                    "select count(*) from line_items"], capture_output=True, text=True)
                    .stdout.split()[-1])
        jobs = [("portable", q) for q in sorted(SUITE.glob("*.sql"))]
        jobs += [("queries", q) for q in sorted((ROOT / "queries").glob("*.sql"))]
        # The checks: as they come, then (one run) within CHECK_LIMIT of memory.
        jobs += [("checks", None), ("checks", CHECK_LIMIT)]
        rows = []
        for suite, q in jobs:
            if suite == "checks":
                name = "checks (all rules" + (f", --memory-limit {q})" if q else ")")
            else:
                name = q.stem
            if (args.only and args.only not in name) or suite not in args.suites.split(","):
                continue
            print(f"[{s}] {suite}/{name}", file=sys.stderr)
            if suite == "checks":
                cmd = [str(YUSUAN), "check", "--data", str(data), "--format", "csv"]
                cmd += ["--memory-limit", q] if q else []
                y = yusuan_cold(data, cmd, 1 if q else args.runs)
                y["rows"] = findings_stored(data)
                # The peers run the same queries: `yusuan check --show-sql`.
                path, runs = CHECKS_SQL, 1
                flags = ["--yusuan", "--total-rows"] + (["--memory-limit", q] if q else [])
            else:
                cmd = [str(YUSUAN), "sql", "--data", str(data), "--format", "csv", "-f", str(q)]
                y = {**yusuan_cold(data, cmd, args.runs), **yusuan_warm(data, q, args.runs)}
                y["rows"] = yusuan_rows(data, q)
                path, runs = q, args.runs
                flags = ["--yusuan"] if suite == "queries" else []
            row = {"suite": suite, "query": name, "yusuan": y}
            for engine in ("duckdb", "polars") if py else ():
                row[engine] = peer(py, engine, data, path, runs, flags)
                if row[engine].get("rows") not in (None, y.get("rows")):
                    row[engine]["mismatch"] = f"{row[engine]['rows']} rows, yusuan {y.get('rows')}"
            rows.append(row)
        earlier = RESULTS / f"{stamp}-{s}.json"
        if args.merge and earlier.exists():
            done = {(r["suite"], r["query"]) for r in rows}
            kept = [r for r in json.loads(earlier.read_text())["results"]
                    if (r["suite"], r["query"]) not in done]
            order = {"portable": 0, "queries": 1, "checks": 2}
            rows = sorted(kept + rows, key=lambda r: order.get(r["suite"], 3))
        result = {"date": stamp, "size": size, "line_items": items, "dataset": data.name,
                  "machine": desc, "runs": args.runs, "results": rows}
        (RESULTS / f"{stamp}-{s}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        md = markdown(size, data, items, desc, rows)
        (RESULTS / f"{stamp}-{s}.md").write_text(md + "\n")
        print(md)
    write_latest(args.runs)


def write_latest(runs):
    """latest.md: the newest result of every size timed so far, smallest first (a run of
    some sizes or suites leaves the others' latest results in place)."""
    newest = {}
    for f in sorted(RESULTS.glob("*-*.md")):
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})-(\w+)\.md", f.name)
        if m:
            newest[m.group(2)] = f  # sorted by date: the last one wins
    sizes = sorted(newest, key=parse_size)
    parts = [newest[s].read_text().strip() for s in sizes]
    (RESULTS / "latest.md").write_text(
        "Reproduce: `python3 benches/compare/run.py --sizes "
        f"{','.join(sizes)} --runs {runs}`\n\n" + "\n\n".join(parts) + "\n")


if __name__ == "__main__":
    main()
