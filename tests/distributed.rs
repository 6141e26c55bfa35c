//! yusuan on a Ballista cluster (the `distributed` build): an in-process scheduler and two
//! executors run every file of `queries/`, the portable benchmark suite and every check
//! over a generated dataset (plus the bundled sample's documents), and each result must
//! equal local execution row for row. Also: in-memory tables travel with the query,
//! errors name the scheduler, and a cluster reads the version the client opened; a report
//! run on the cluster writes the files of a local run; an executor killed mid-query gives
//! the right answer or a clear error.
//!
//! `cargo test --features distributed --test distributed`

mod common;

use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::csv::WriterBuilder;
use yusuan::Engine;
use yusuan::check::{builtin_rules, run as run_checks};
use yusuan::engine::EngineOptions;
use yusuan::engine::cluster::InProcessCluster;
use yusuan::storage::{AsOf, Dataset};
use yusuan::synth::{GenOptions, GenProgress, generate};

fn csv(batches: &[RecordBatch]) -> String {
    let mut out = Vec::new();
    {
        let mut w = WriterBuilder::new().with_header(true).build(&mut out);
        for b in batches {
            w.write(b).unwrap();
        }
    }
    String::from_utf8(out).unwrap()
}

/// A generated dataset (two districts, three years, errors planted so that the checks
/// find something) with the sample's documents committed over it.
fn dataset(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    let options = GenOptions {
        districts: 2,
        units: 6,
        years: 2022..=2024,
        seed: 11,
        inject_rate: 0.3,
        threads: 2,
        generated_at_micros: 0,
        render: None,
    };
    generate(&data, &options, &GenProgress::default()).unwrap();
    Dataset::open(&data)
        .unwrap()
        .commit(&common::sample_documents(), 0)
        .unwrap();
    data
}

async fn count(e: &Engine) -> String {
    csv(&e.sql("select count(*) as n from documents").await.unwrap())
}

fn sql_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
}

/// The longest a query of the suite may take on the cluster: they take seconds here, and
/// a Ballista job that lost a task's status never ends — the test says which one hung
/// instead of running into CI's time limit.
const QUERY_LIMIT: std::time::Duration = std::time::Duration::from_secs(120);

async fn within<T>(
    limit: std::time::Duration,
    work: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(limit, work)
        .await
        .map_err(|_| format!("no answer within {} s (hung)", limit.as_secs()))
}

fn on(cluster: &InProcessCluster) -> EngineOptions {
    EngineOptions {
        cluster: Some(cluster.url.clone()),
        ..EngineOptions::default()
    }
}

/// Runs `test` on a runtime whose threads have the stack the binary gives its own (the
/// in-process scheduler decodes and plans whole statements recursively, like DataFusion).
fn on_runtime(test: impl std::future::Future<Output = ()> + Send + 'static) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .thread_stack_size(256 << 20)
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(runtime.spawn(test));
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}

#[test]
fn queries_suite_and_checks_equal_local_execution() {
    on_runtime(queries_suite_and_checks())
}

async fn queries_suite_and_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path());
    let cluster = InProcessCluster::start(2, 2).await.unwrap();
    let local = Engine::open(&data).await.unwrap();
    let remote = Engine::open_with(&data, &on(&cluster)).await.unwrap();
    assert_eq!(local.version(), remote.version());

    let mut files = sql_files("queries");
    let named = files.len();
    files.extend(sql_files("benches/compare/queries"));
    assert!(named >= 12 && files.len() >= named + 10, "{files:?}");
    let mut failures = Vec::new();
    let mut rows = 0;
    for file in &files {
        let sql = std::fs::read_to_string(file).unwrap();
        let want = csv(&local.sql(&sql).await.unwrap());
        match within(QUERY_LIMIT, remote.sql(&sql)).await {
            Err(hung) => failures.push(format!("{}: {hung}", file.display())),
            Ok(Ok(got)) => {
                let got = csv(&got);
                if got != want {
                    failures.push(format!(
                        "{}: differs\n--- local\n{}\n--- cluster\n{}",
                        file.display(),
                        want.lines().take(8).collect::<Vec<_>>().join("\n"),
                        got.lines().take(8).collect::<Vec<_>>().join("\n")
                    ));
                }
                rows += want.lines().count().saturating_sub(1);
            }
            Ok(Err(e)) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(rows > 500, "the queries returned only {rows} rows");

    // Every check, through the cluster: the same findings (sorted: rules run one query
    // each and concatenate, so only the rows matter).
    let rules = builtin_rules().unwrap();
    let sorted = |b: RecordBatch| {
        let text = csv(&[b]);
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let want = sorted(run_checks(&local, &rules).await.unwrap());
    let got = within(QUERY_LIMIT * 4, run_checks(&remote, &rules))
        .await
        .unwrap();
    let got = sorted(got.unwrap());
    assert!(
        want.len() > 20,
        "the planted errors give findings: {}",
        want.len()
    );
    assert_eq!(got, want);
}

#[test]
fn in_memory_tables_versions_and_errors() {
    on_runtime(in_memory_versions_errors())
}

async fn in_memory_versions_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path());
    let cluster = InProcessCluster::start(2, 2).await.unwrap();
    let remote = Engine::open_with(&data, &on(&cluster)).await.unwrap();

    // A table made in the session travels with the query; reference tables by name.
    remote
        .sql("create table picks as select * from (values ('208'), ('205')) as t(code)")
        .await
        .unwrap();
    let got = csv(&remote
        .sql(
            "select p.code, r.name from picks p join ref_function_class r on r.code = p.code \
             order by p.code",
        )
        .await
        .unwrap());
    assert_eq!(got, "code,name\n205,教育支出\n208,社会保障和就业支出\n");

    // Rows made from nothing, in a `UNION ALL` whose branches the scheduler hands to
    // different tasks (each executor has two slots, so one task gets two branches and
    // another one): Ballista 55 refused the second task's metrics and the job never
    // ended, until `MemoryLeaves` (src/engine/cluster.rs).
    let local = Engine::open(&data).await.unwrap();
    for sql in [
        "select * from (select 1 as x union all select 2 union all select 3) order by x",
        "select lvl, count(*) as n from (select 1 as lvl union all select 2 union all \
         select 3) l cross join (select distinct year from line_items) y \
         group by lvl order by lvl",
        "select count(*) as n from (select 1 as x union all select 2 where false \
         union all select 3 union all select 4 where false)",
    ] {
        let want = csv(&local.sql(sql).await.unwrap());
        assert!(want.lines().count() > 1, "{sql}: {want}");
        let got = within(QUERY_LIMIT, remote.sql(sql)).await.unwrap().unwrap();
        assert_eq!(csv(&got), want, "{sql}");
    }

    // Tasks per stage: one per task slot (2 executors × 2) unless the session says.
    let explain = "explain select year, count(*) from line_items group by year";
    let plan = csv(&remote.sql(explain).await.unwrap());
    assert!(plan.contains("], 4)") && !plan.contains("], 3)"), "{plan}");
    remote.sql("set yusuan.partitions = 3").await.unwrap();
    let plan = csv(&remote.sql(explain).await.unwrap());
    assert!(plan.contains("], 3)") && !plan.contains("], 4)"), "{plan}");
    let err = remote
        .sql("set yusuan.partitions = many")
        .await
        .expect_err("not a number")
        .to_string();
    assert!(err.contains("yusuan.partitions: 'many'"), "{err}");
    remote.sql("set yusuan.partitions = 0").await.unwrap();

    // yusuan's functions are evaluated on the executors.
    let got = csv(&remote
        .sql("select wan(cast(123456.78 as decimal(18,2))) as w, class_parent('2080505') as p from line_items limit 1")
        .await
        .unwrap());
    assert_eq!(got, "w,p\n12.345678,20805\n");

    // The cluster reads the version the client opened, whatever is committed meanwhile.
    let before = Engine::open_with(
        &data,
        &EngineOptions {
            as_of: Some(AsOf::Version(remote.version() - 1)),
            ..on(&cluster)
        },
    )
    .await
    .unwrap();
    let local_before = Engine::open_with(
        &data,
        &EngineOptions {
            as_of: Some(AsOf::Version(remote.version() - 1)),
            ..EngineOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(count(&before).await, count(&local_before).await);
    assert_ne!(count(&before).await, count(&remote).await);

    // No scheduler there: an error naming the address, at open.
    let err = Engine::open_with(
        &data,
        &EngineOptions {
            cluster: Some("df://127.0.0.1:9".into()),
            ..EngineOptions::default()
        },
    )
    .await
    .err()
    .expect("nothing listens on port 9")
    .to_string();
    assert!(
        err.contains("127.0.0.1:9") && err.contains("no scheduler"),
        "{err}"
    );
    for bad in ["df://", "df://h:x", "http://h:1/x", "df://h:99999"] {
        let err = Engine::open_with(
            &data,
            &EngineOptions {
                cluster: Some(bad.into()),
                ..EngineOptions::default()
            },
        )
        .await
        .err()
        .expect("not an address")
        .to_string();
        assert!(err.contains("expected df://HOST:PORT"), "{bad}: {err}");
    }
}

/// `yusuan report run --cluster` (a separate process, on the in-process cluster) writes
/// the same files as a local run — every section's CSV, Parquet, xlsx, the page and the
/// summary — except `run.json`, which records when and how it ran.
#[test]
fn report_run_on_the_cluster_writes_the_files_of_a_local_run() {
    on_runtime(report_run())
}

async fn report_run() {
    let tmp = tempfile::tempdir().unwrap();
    let data = dataset(tmp.path());
    let cluster = InProcessCluster::start(2, 2).await.unwrap();
    let run = |out: PathBuf, cluster: Option<String>| {
        let data = data.clone();
        tokio::task::spawn_blocking(move || {
            let mut cmd = yusuan();
            cmd.args(["report", "run", "reports/overview", "-q", "--data"])
                .arg(&data)
                .arg("--out")
                .arg(&out);
            if let Some(url) = cluster {
                cmd.args(["--cluster", &url]);
            }
            let output = cmd.output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            files(&out.join("overview").join("latest"))
        })
    };
    let local = run(tmp.path().join("local"), None).await.unwrap();
    let remote = within(
        QUERY_LIMIT * 4,
        run(tmp.path().join("remote"), Some(cluster.url.clone())),
    )
    .await
    .unwrap()
    .unwrap();
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&remote), names(&local));
    assert!(
        local.iter().any(|(n, _)| n.ends_with(".xlsx")) && local.len() > 10,
        "{:?}",
        names(&local)
    );
    for ((name, want), (_, got)) in local.iter().zip(&remote) {
        if name != "run.json" {
            assert!(
                got == want,
                "{name} differs between the cluster and local runs"
            );
        }
    }
}

/// Every file under `dir` (relative name, bytes), sorted by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// A free loopback port whose next port is free too (an executor uses both).
fn free_port_pair() -> u16 {
    loop {
        let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = a.local_addr().unwrap().port();
        if port < u16::MAX && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
}

/// Processes killed when the test ends, however it ends.
struct Processes(Vec<std::process::Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn yusuan() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_yusuan"))
}

/// Runs `yusuan sql` (CSV) and returns (exit code, stdout, stderr, seconds).
fn sql_process(data: &Path, cluster: Option<&str>, sql: &str) -> (i32, String, String, f64) {
    let mut cmd = yusuan();
    cmd.args(["sql", "--format", "csv", "--data"]).arg(data);
    if let Some(url) = cluster {
        cmd.args(["--cluster", url]);
    }
    let start = std::time::Instant::now();
    let out = cmd.args(["-c", sql]).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed().as_secs_f64(),
    )
}

/// Separate processes: a scheduler and two executors on loopback. A query runs; one
/// executor is killed (SIGKILL) while it runs. The outcome must be the right answer
/// (Ballista re-runs the lost tasks elsewhere) or an error — never a wrong answer — and
/// it must come within bounded time.
#[test]
fn executor_killed_mid_query() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let options = GenOptions {
        districts: 2,
        units: 12,
        years: 2021..=2024,
        seed: 5,
        inject_rate: 0.0,
        threads: 2,
        generated_at_micros: 0,
        render: None,
    };
    generate(&data, &options, &GenProgress::default()).unwrap();
    // A query that takes a few seconds: every pair of line items of a document.
    let query = "select a.year, count(*) as pairs, sum(a.amount) as total \
                 from line_items a join line_items b on a.doc_id = b.doc_id and a.table_kind = b.table_kind \
                 group by a.year order by a.year";
    let (code, want, err, local_seconds) = sql_process(&data, None, query);
    assert_eq!(code, 0, "{err}");

    let port = free_port_pair();
    let url = format!("df://127.0.0.1:{port}");
    let mut procs = Processes(Vec::new());
    let log = |name: &str| std::fs::File::create(tmp.path().join(name)).unwrap();
    procs.0.push(
        yusuan()
            .args([
                "cluster",
                "scheduler",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--executor-timeout", "5"])
            .stderr(log("scheduler.log"))
            .spawn()
            .unwrap(),
    );
    for i in 0..2 {
        let p = free_port_pair();
        procs.0.push(
            yusuan()
                .args(["cluster", "executor", "--scheduler", &url])
                .args(["--bind", &format!("127.0.0.1:{p}"), "--heartbeat", "1"])
                .args(["--concurrent-tasks", "2"])
                .stderr(log(&format!("executor{i}.log")))
                .spawn()
                .unwrap(),
        );
    }
    let (code, documents, err, _) = sql_process(&data, None, "select count(*) as n from documents");
    assert_eq!(code, 0, "{err}");
    // Both executors registered: a query runs through.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (code, out, _, _) =
            sql_process(&data, Some(&url), "select count(*) as n from documents");
        if code == 0 && out == documents {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cluster never answered: {out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    // Tasks per stage: one per task slot of the executors registered (2 × 2), unless the
    // client chooses (`--threads`). Shown by the hash partitioning of the stages.
    let explain = "explain select year, count(*) from line_items group by year";
    let partitions = |out: &str| -> Vec<String> {
        out.match_indices("Hash([")
            .filter_map(|(i, _)| {
                let rest = &out[i..];
                let tail = &rest[rest.find("], ")? + 3..];
                let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
                (!digits.is_empty()).then_some(digits)
            })
            .collect()
    };
    loop {
        let (code, out, err, _) = sql_process(&data, Some(&url), explain);
        assert_eq!(code, 0, "{err}");
        let seen = partitions(&out);
        if !seen.is_empty() && seen.iter().all(|p| p == "4") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "expected 4 partitions (2 executors × 2 slots): {seen:?}\n{out}"
        );
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let mut cmd = yusuan();
    let out = cmd
        .args(["sql", "--format", "csv", "--threads", "3", "--data"])
        .arg(&data)
        .args(["--cluster", &url, "-c", explain])
        .output()
        .unwrap();
    let seen = partitions(&String::from_utf8_lossy(&out.stdout));
    assert!(
        !seen.is_empty() && seen.iter().all(|p| p == "3"),
        "--threads 3: {seen:?}"
    );

    let (code, got, err, cluster_seconds) = sql_process(&data, Some(&url), query);
    assert_eq!((code, &got), (0, &want), "{err}");

    // Again, killing the second executor a moment after the query starts.
    let query_process = {
        let mut cmd = yusuan();
        cmd.args(["sql", "--format", "csv", "--data"])
            .arg(&data)
            .args(["--cluster", &url, "-c", query])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    std::thread::sleep(std::time::Duration::from_secs_f64(
        (cluster_seconds / 3.0).clamp(0.3, 3.0),
    ));
    procs.0[2].kill().unwrap();
    let start = std::time::Instant::now();
    let mut query_process = query_process;
    while query_process.try_wait().unwrap().is_none() {
        if start.elapsed().as_secs() > 120 {
            let _ = query_process.kill();
            let scheduler = std::fs::read_to_string(tmp.path().join("scheduler.log")).unwrap();
            panic!(
                "the query neither ended nor failed within 120 s of losing an executor; scheduler log:\n{scheduler}"
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = query_process.wait_with_output().unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    eprintln!(
        "local {local_seconds:.1}s, cluster {cluster_seconds:.1}s; with an executor killed: exit {:?} after {seconds:.1}s more; stderr: {stderr}",
        out.status.code()
    );
    if out.status.success() {
        let scheduler = std::fs::read_to_string(tmp.path().join("scheduler.log")).unwrap();
        assert_eq!(
            stdout, want,
            "a query that lost an executor answered wrongly; scheduler log:\n{scheduler}"
        );
    } else {
        assert!(stdout.is_empty() || want.starts_with(&*stdout), "{stdout}");
        assert!(stderr.contains("an executor was lost"), "{stderr}");
    }
    assert!(seconds < 120.0, "{seconds}");
}
