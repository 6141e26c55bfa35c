"""One peer run for benches/compare/run.py, inside the bench venv (duckdb, polars, deltalake).

    python peer.py ENGINE DATA SQLFILE RUNS [--yusuan] [--total-rows] [--memory-limit 3G]

Prints {"times": [...], "rows": N} as JSON: the seconds of each run of SQLFILE (all its
statements; the rows are the last one's, or all statements' with --total-rows). Plain files (the portable suite) need the base
tables only. With --yusuan the session is first given what yusuan's own SQL uses — the
other dataset tables, the reference tables (datasets/reference/*.csv), yusuan's SQL
functions as macros, and its views (queries/views/, in yusuan's order) — so the files of
queries/ and the checks run unchanged where the engine's SQL allows (DuckDB; Polars' SQL
has no macros or views over its own functions, so those fail and are reported as
unsupported). Setup time is not counted.
"""

import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "datasets" / "reference"
# (table, CSV, integer columns): as in src/engine/mod.rs REFERENCE_TABLES.
REFERENCE_TABLES = [
    ("ref_function_class", "func_class.csv", ["level", "first_year", "last_year"]),
    ("ref_dept_econ", "dept_econ.csv", ["level"]),
    ("ref_gov_econ", "gov_econ.csv", ["level"]),
    ("ref_econ_map", "econ_map.csv", []),
    ("ref_admin_division", "admin_divisions.csv", []),
]
# yusuan's views in dependency order: as in src/engine/mod.rs VIEWS.
VIEWS = ["budget_totals", "gpb_by_function", "gpb_function_rollup", "spending_by_econ",
         "unit_years", "region_years", "spending_mix", "unit_rankings"]

# yusuan's functions (src/engine/udf.rs) and DataFusion's regexp_like as DuckDB macros, exact decimals kept: wan
# multiplies by 0.0001 (DuckDB divides decimals as doubles); pct_change rounds half away
# from zero to 2 decimals like yusuan's.
DUCKDB_MACROS = r"""
CREATE MACRO wan(x) AS x * 0.0001;
CREATE MACRO regexp_like(s, p) AS regexp_matches(s, p);
CREATE MACRO class_level(c) AS CASE WHEN regexp_full_match(c, '[0-9]+')
    THEN CASE length(c) WHEN 3 THEN 1 WHEN 5 THEN 2 WHEN 7 THEN 3 END END;
CREATE MACRO class_parent(c) AS CASE class_level(c) WHEN 2 THEN left(c, 3) WHEN 3 THEN left(c, 5) END;
CREATE MACRO class_prefix(c, l) AS CASE WHEN l <= class_level(c)
    THEN left(c, CASE l WHEN 1 THEN 3 WHEN 2 THEN 5 WHEN 3 THEN 7 END) END;
CREATE MACRO pct_change(cur, prev) AS CASE WHEN prev IS NULL OR prev = 0 THEN NULL
    ELSE round(CAST(cur - prev AS DECIMAL(38, 6)) * 100 / CAST(prev AS DECIMAL(38, 6)), 2) END;
CREATE TABLE class_names AS
    SELECT code, name, first_year, last_year, status, 0 AS src FROM ref_function_class
    UNION ALL SELECT code, name, NULL, NULL, status, 1 FROM ref_dept_econ
    UNION ALL SELECT code, name, NULL, NULL, status, 2 FROM ref_gov_econ;
CREATE MACRO class_name(c) AS (
    SELECT name FROM class_names n WHERE n.code = c
    ORDER BY CASE WHEN status = 'confirmed' THEN 0 WHEN status <> 'former name' THEN 1 ELSE 2 END, src
    LIMIT 1),
  (c, y) AS (
    SELECT name FROM class_names n WHERE n.code = c
    ORDER BY CASE WHEN y IS NOT NULL AND first_year IS NOT NULL THEN 0
                  WHEN y < 2019 AND status = 'former name' THEN 1
                  WHEN status = 'confirmed' THEN 2 WHEN status <> 'former name' THEN 3 ELSE 4 END,
             CASE WHEN y BETWEEN first_year AND last_year THEN 0
                  ELSE least(abs(first_year - y), abs(last_year - y)) END, src
    LIMIT 1);
"""


def statements(sql):
    """The statements of a SQL text (split at `;` outside quotes and comments)."""
    out, cur, quote, i = [], [], None, 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            cur.append(ch)
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = len(sql) if j < 0 else j
            cur.append(sql[i:j])
            i = j
            continue
        elif ch == ";":
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur))
    return [s for s in out if re.sub(r"--[^\n]*", "", s).strip()]


def tables(data):
    """The dataset's tables: directory name → (the data files live in its Delta log's latest
    version, partitioned by year). Read through the log: files that versions removed stay on
    disk until `yusuan vacuum`, so a glob would count them too."""
    from deltalake import DeltaTable
    out = {}
    for d in sorted(Path(data).iterdir()):
        if (d / "_delta_log").is_dir():
            t = DeltaTable(str(d))
            out[d.name] = (t.file_uris(), bool(t.metadata().partition_columns))
    return out


def sql_list(files):
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"


def duckdb_session(data, full, memory_limit=None):
    import duckdb
    con = duckdb.connect()
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit.rstrip('B')}B'")
    for t, (files, partitioned) in tables(data).items():
        if full or t in ("line_items", "documents"):
            hive = "true" if partitioned else "false"
            if files:
                con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet({sql_list(files)}, hive_partitioning = {hive})")
            else:  # (an empty table: its columns from the log)
                from deltalake import DeltaTable
                con.register(f"{t}_empty", DeltaTable(f"{data}/{t}").to_pyarrow_dataset())
                con.execute(f"CREATE VIEW {t} AS SELECT * FROM {t}_empty")
    if full:
        for name, csv, ints in REFERENCE_TABLES:
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{REFERENCE / csv}', all_varchar = true)")
            for c in ints:
                con.execute(f"ALTER TABLE {name} ALTER {c} TYPE INTEGER")
        for s in statements(DUCKDB_MACROS):
            con.execute(s)
        for v in VIEWS:
            con.execute((ROOT / "queries" / "views" / f"{v}.sql").read_text(encoding="utf-8"))

    return lambda s: len(con.execute(s).fetchall())


def polars_session(data, full, memory_limit=None):  # Polars has no memory limit
    import polars as pl
    frames = {}
    for t, (files, partitioned) in tables(data).items():
        if full or t in ("line_items", "documents"):
            frames[t] = (pl.scan_parquet(files, hive_partitioning=partitioned) if files
                         else pl.scan_delta(f"{data}/{t}"))
    ctx = pl.SQLContext(frames)
    if full:
        for name, csv, _ in REFERENCE_TABLES:
            ctx.register(name, pl.scan_csv(REFERENCE / csv))
        for v in VIEWS:
            text = (ROOT / "queries" / "views" / f"{v}.sql").read_text(encoding="utf-8")
            body = re.sub(r"(?is)^.*?CREATE\s+VIEW\s+\w+\s+AS", "", re.sub(r"--[^\n]*", "", text))
            try:
                ctx.register(v, ctx.execute(body))
            except Exception:  # a view Polars cannot plan: the queries on it fail later
                pass

    return lambda s: ctx.execute(s).collect().height


def main():
    engine, data, path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    flags = sys.argv[5:]
    stmts = statements(Path(path).read_text(encoding="utf-8"))
    try:
        limit = flags[flags.index("--memory-limit") + 1] if "--memory-limit" in flags else None
        session = duckdb_session if engine == "duckdb" else polars_session
        run = session(data, "--yusuan" in flags, limit)
        times, rows = [], None
        for _ in range(runs):
            t0 = time.perf_counter()
            counts = [run(s) for s in stmts]
            times.append(time.perf_counter() - t0)
            # A file's result is its last statement's; a checks file's is all findings.
            rows = sum(counts) if "--total-rows" in flags else counts[-1]
    except Exception as e:  # reported by the harness as "unsupported", with this line
        first = (str(e).strip().splitlines() or [""])[0]
        sys.exit(f"{engine}: {type(e).__name__}: {first}")
    print(json.dumps({"times": times, "rows": rows}))


if __name__ == "__main__":
    main()
