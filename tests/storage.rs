//! The dataset as a transactional table format (docs/table-format.md): opening and querying
//! change nothing; a commit rewrites only the files of the documents it replaces; SQL
//! cannot write around the commits; a damaged data file is an error naming it; versions
//! can be listed and queried; compaction keeps the content; vacuum keeps what recent
//! versions need; an old-layout dataset is upgraded in place; a writer that died between
//! its table commits is undone. Then whole processes: concurrent ingests, checks and
//! readers lose nothing and see only whole commits, and SIGKILL at any point loses nothing
//! committed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use yusuan::Engine;
use yusuan::ingest::{Overrides, parse_file};
use yusuan::storage::{AsOf, Dataset};

const HENAN: &str = "datasets/text/000_59511c5e13e4fdad.txt";

fn commit(data: &Path, year: Option<i32>) {
    let doc = parse_file(Path::new(HENAN), &Overrides { year, region: None }).unwrap();
    Dataset::open_or_create(data)
        .unwrap()
        .commit(&[doc], 0)
        .unwrap();
}

async fn query(data: &Path, sql: &str) -> String {
    let engine = Engine::open(data).await.unwrap();
    let batches = engine.sql(sql).await.unwrap();
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string()
}

/// Every file under `dir` with its size and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

/// Fails naming `what` and the process's stderr unless it exited 0.
fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Documents rendered by `yusuan gen --render`: distinct units, one year.
fn rendered(dir: &Path, districts: usize, units: usize) -> Vec<PathBuf> {
    let out = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args(["gen", "--districts", &districts.to_string()])
        .args(["--units", &units.to_string(), "--years", "2024-2024"])
        .arg("--out")
        .arg(dir.join("generated"))
        .arg("--render")
        .arg(dir.join("rendered"))
        .output()
        .unwrap();
    assert_ok(&out, "gen --render");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("rendered"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), districts * units);
    files
}

fn yusuan(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_yusuan"));
    c.env("YUSUAN_DATA", data);
    c
}

/// `yusuan sql -c SQL --format csv`, the data rows.
fn sql_rows(data: &Path, sql: &str) -> Result<Vec<String>, String> {
    let out = yusuan(data)
        .args(["sql", "--format", "csv", "-c", sql])
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .map(str::to_string)
        .collect())
}

/// The dataset's invariants: no orphan rows (every table's documents are documents), every
/// document's line items as many as it says, and the documents exactly those the history
/// says were added and not replaced since.
fn assert_whole(data: &Path) -> BTreeSet<String> {
    let docs: BTreeSet<String> = sql_rows(data, "select doc_id from documents")
        .unwrap()
        .into_iter()
        .collect();
    for table in [
        "line_items",
        "source_tables",
        "narrative_facts",
        "projects",
        "performance_indicators",
        "ingest_warnings",
    ] {
        let orphans = sql_rows(
            data,
            &format!("select distinct doc_id from {table} where doc_id not in (select doc_id from documents)"),
        )
        .unwrap();
        assert!(orphans.is_empty(), "{table} has orphan rows of {orphans:?}");
    }
    let wrong = sql_rows(
        data,
        "select d.doc_id from documents d left join \
         (select doc_id, count(*) as n from line_items group by doc_id) l on d.doc_id = l.doc_id \
         where coalesce(l.n, 0) <> d.line_item_count",
    )
    .unwrap();
    assert!(
        wrong.is_empty(),
        "documents with missing line items: {wrong:?}"
    );
    let history = Dataset::open(data).unwrap().history().unwrap();
    let mut expected = BTreeSet::new();
    for v in history.iter().rev() {
        for r in &v.replaced {
            expected.remove(&r.doc_id);
        }
        for a in &v.added {
            expected.insert(a.doc_id.clone());
        }
    }
    assert_eq!(
        docs, expected,
        "documents differ from what the history committed"
    );
    docs
}

#[tokio::test]
async fn opening_and_querying_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let before = listing(&data);
    Dataset::open(&data).unwrap();
    query(&data, "select count(*) from line_items").await;
    Dataset::open(&data).unwrap().snapshot(None).unwrap();
    assert_eq!(listing(&data), before);
}

#[tokio::test]
async fn a_document_moving_to_another_year_leaves_no_copy_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    commit(&data, Some(2025));
    let out = query(
        &data,
        "select year, count(*) as n from documents group by year",
    )
    .await;
    assert!(out.contains("2025") && !out.contains("2024"), "{out}");
    let out = query(&data, "select distinct year from line_items").await;
    assert!(out.contains("2025") && !out.contains("2024"), "{out}");
}

#[tokio::test]
async fn a_commit_rewrites_only_the_files_of_the_documents_it_replaces() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = rendered(tmp.path(), 1, 2);
    let data = tmp.path().join("data");
    let parse = |p: &Path| parse_file(p, &Overrides::default()).unwrap();
    let dataset = Dataset::open_or_create(&data).unwrap();
    dataset.commit(&[parse(&docs[0])], 0).unwrap();
    let a_files = dataset.snapshot(None).unwrap().tables;
    dataset.commit(&[parse(&docs[1])], 0).unwrap();
    // Re-ingest the second: the first's files stay, the second's are replaced.
    let summary = dataset.commit(&[parse(&docs[1])], 0).unwrap();
    assert_eq!(summary.replaced, 1);
    let now = dataset.snapshot(None).unwrap().tables;
    let mut tables_with_rows = 0;
    for (table, files) in &a_files {
        for f in files {
            assert!(
                now[table].iter().any(|g| g.path == f.path),
                "{table}: the first document's file {} was rewritten",
                f.path
            );
        }
        tables_with_rows += usize::from(!files.is_empty());
    }
    assert_eq!(summary.files_removed, tables_with_rows);
    assert_eq!(assert_whole(&data).len(), 2);
}

#[tokio::test]
async fn a_truncated_or_emptied_data_file_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let snapshot = Dataset::open(&data).unwrap().snapshot(None).unwrap();
    let file = data
        .join("line_items")
        .join(&snapshot.tables["line_items"][0].path);
    std::fs::write(&file, b"").unwrap();
    let engine = Engine::open(&data).await.unwrap();
    let err = engine
        .sql("select count(*) from line_items")
        .await
        .unwrap_err()
        .to_string();
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    assert!(err.contains(&name) && err.contains("truncated"), "{err}");
    // A missing file likewise.
    std::fs::remove_file(&file).unwrap();
    let err = engine
        .sql("select sum(amount) from line_items")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&name) && err.contains("missing"), "{err}");
}

#[tokio::test]
async fn sql_cannot_write_into_the_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let before = listing(&data);
    let engine = Engine::open(&data).await.unwrap();
    for sql in [
        "insert into documents select * from documents".to_string(),
        format!(
            "copy (select * from documents) to '{}'",
            data.join("documents/year=2024/extra.parquet").display()
        ),
        format!(
            "copy (select * from line_items) to '{}/' stored as parquet",
            data.join("line_items").display()
        ),
    ] {
        let result = match engine.sql(&sql).await {
            Ok(_) => None,
            Err(e) => Some(e.to_string()),
        };
        let err = result.unwrap_or_else(|| panic!("{sql} was allowed"));
        assert!(
            err.contains("changes only through yusuan's commits"),
            "{sql}: {err}"
        );
    }
    assert_eq!(
        listing(&data),
        before,
        "a refused statement left files behind"
    );
    // Results go elsewhere as usual.
    let out = tmp.path().join("out.csv");
    engine
        .sql(&format!(
            "copy (select count(*) as n from documents) to '{}'",
            out.display()
        ))
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "n\n1\n");
}

#[tokio::test]
async fn earlier_versions_can_be_listed_and_queried() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    std::thread::sleep(Duration::from_millis(20));
    let between = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    std::thread::sleep(Duration::from_millis(20));
    commit(&data, Some(2025));
    let history = Dataset::open(&data).unwrap().history().unwrap();
    let ops: Vec<(u64, &str)> = history
        .iter()
        .map(|v| (v.version, v.operation.as_str()))
        .collect();
    assert_eq!(ops, [(2, "ingest"), (1, "ingest"), (0, "create")]);
    assert_eq!(history[0].replaced.len(), 1);
    assert_eq!(history[0].added[0].year, 2025);
    for as_of in [AsOf::Version(1), AsOf::Timestamp(between)] {
        let options = yusuan::engine::EngineOptions {
            as_of: Some(as_of),
            ..Default::default()
        };
        let engine = Engine::open_with(&data, &options).await.unwrap();
        assert_eq!(engine.version(), 1);
        let b = engine
            .sql("select distinct year from line_items")
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&b)
            .unwrap()
            .to_string();
        assert!(text.contains("2024") && !text.contains("2025"), "{text}");
    }
    let options = yusuan::engine::EngineOptions {
        as_of: Some(AsOf::Version(7)),
        ..Default::default()
    };
    let err = Engine::open_with(&data, &options).await.err().unwrap();
    assert!(err.to_string().contains("no version 7"), "{err}");
}

#[tokio::test]
async fn compaction_keeps_the_content_and_restores_one_sorted_file_per_year() {
    let tmp = tempfile::tempdir().unwrap();
    let docs = rendered(tmp.path(), 2, 4);
    let data = tmp.path().join("data");
    let dataset = Dataset::open_or_create(&data).unwrap();
    for d in &docs {
        dataset
            .commit(&[parse_file(d, &Overrides::default()).unwrap()], 0)
            .unwrap();
    }
    let digest = "select count(*), sum(amount), count(distinct doc_id), min(line_key), max(line_key) from line_items";
    let before = query(&data, digest).await;
    let summary = dataset.compact(&|_, _, _| {}).unwrap();
    assert_eq!(summary.version, Some(docs.len() as u64 + 1));
    assert_eq!(query(&data, digest).await, before);
    let snapshot = dataset.snapshot(None).unwrap();
    for (table, files) in &snapshot.tables {
        assert!(files.len() <= 1, "{table}: {} files", files.len());
    }
    // The merged line items are in the dataset's order.
    let table = yusuan::model::schema::DatasetTable::LineItems;
    let batches = snapshot.read_table(table).unwrap();
    let all = datafusion::arrow::compute::concat_batches(&table.schema(), &batches).unwrap();
    let sorted = yusuan::storage::sort_batch(&all, table.sort_columns()).unwrap();
    assert!(
        sorted == all,
        "compacted line items are not in the dataset's order"
    );
    assert_whole(&data);
    // Compacting again has nothing to do.
    assert_eq!(dataset.compact(&|_, _, _| {}).unwrap().version, None);
}

#[tokio::test]
async fn vacuum_keeps_what_recent_versions_need() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    commit(&data, Some(2025));
    let dataset = Dataset::open(&data).unwrap();
    let live: usize = dataset
        .snapshot(None)
        .unwrap()
        .tables
        .values()
        .map(Vec::len)
        .sum();
    let on_disk = || {
        listing(&data)
            .keys()
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .filter(|p| !p.to_string_lossy().contains("_delta_log"))
            .count()
    };
    let before = on_disk();
    assert!(before > live);
    // Within the retention nothing goes, and a shorter one must be forced.
    assert!(
        dataset
            .vacuum(Duration::from_secs(7 * 86_400), true)
            .unwrap()
            .is_empty()
    );
    assert!(dataset.vacuum(Duration::ZERO, true).is_err());
    let deleted = dataset.vacuum(Duration::ZERO, false).unwrap();
    assert_eq!(deleted.len(), before - live);
    assert_eq!(on_disk(), live);
    assert!(
        query(&data, "select distinct year from line_items")
            .await
            .contains("2025")
    );
    // The version before needs deleted files: an error naming one, not an empty table.
    let options = yusuan::engine::EngineOptions {
        as_of: Some(AsOf::Version(1)),
        ..Default::default()
    };
    let engine = Engine::open_with(&data, &options).await.unwrap();
    let err = engine
        .sql("select count(*) from line_items")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
}

#[tokio::test]
async fn a_dataset_of_the_layout_before_delta_is_upgraded_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let digest = "select count(*), sum(amount) from line_items";
    let expected = query(&data, digest).await;
    // Rewrite it as the old layout wrote it: one part-0.parquet per table and year, a
    // marker of format yusuan-dataset, no logs.
    let snapshot = Dataset::open(&data).unwrap().snapshot(None).unwrap();
    for (table, files) in &snapshot.tables {
        for f in files {
            let dir = data.join(table).join(format!("year={}", f.year.unwrap()));
            std::fs::rename(data.join(table).join(&f.path), dir.join("part-0.parquet")).unwrap();
        }
    }
    for e in listing(&data).keys() {
        let s = e.to_string_lossy();
        if s.contains("_delta_log")
            || s.contains("/_yusuan/")
            || s.contains("part-") && !s.ends_with("part-0.parquet")
        {
            std::fs::remove_file(e).unwrap();
        }
    }
    for t in yusuan::model::schema::DatasetTable::ALL {
        let _ = std::fs::remove_dir_all(data.join(t.name()).join("_delta_log"));
    }
    std::fs::remove_dir_all(data.join("_yusuan")).unwrap();
    let marker = serde_json::json!({
        "format": "yusuan-dataset",
        "schema_version": yusuan::model::schema::SCHEMA_VERSION,
        "created_by": "yusuan 0.1.0",
    });
    std::fs::write(data.join("_yusuan.json"), marker.to_string()).unwrap();
    let err = Dataset::open(&data).unwrap_err().to_string();
    assert!(err.contains("yusuan upgrade --data"), "{err}");
    assert!(Dataset::upgrade(&data).unwrap());
    assert!(!Dataset::upgrade(&data).unwrap());
    assert_eq!(query(&data, digest).await, expected);
    let history = Dataset::open(&data).unwrap().history().unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].operation, "upgrade");
    // And it takes commits as any dataset.
    commit(&data, Some(2025));
    assert!(
        query(&data, "select distinct year from documents")
            .await
            .contains("2025")
    );
}

#[tokio::test]
async fn a_writer_that_died_between_its_table_commits_is_undone() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    commit(&data, None);
    let expected = query(&data, "select count(*) from line_items").await;
    // A second copy of the line items, committed to that table's log only, as a writer
    // killed before its other tables and its dataset version would leave it.
    let snapshot = Dataset::open(&data).unwrap().snapshot(None).unwrap();
    let f = &snapshot.tables["line_items"][0];
    let copy = "year=2024/part-copy.parquet";
    std::fs::copy(
        data.join("line_items").join(&f.path),
        data.join("line_items").join(copy),
    )
    .unwrap();
    let log = data.join("line_items/_delta_log");
    let next = std::fs::read_dir(&log)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    let add = serde_json::json!({"add": {
        "path": copy, "partitionValues": {"year": "2024"}, "size": f.size,
        "modificationTime": 0, "dataChange": true, "stats": f.stats,
    }});
    let info = serde_json::json!({"commitInfo": {"timestamp": 0, "operation": "WRITE"}});
    std::fs::write(
        log.join(format!("{next:020}.json")),
        format!("{add}\n{info}\n"),
    )
    .unwrap();
    // Readers do not see it …
    assert_eq!(
        query(&data, "select count(*) from line_items").await,
        expected
    );
    // … and the next writer undoes it before committing.
    commit(&data, Some(2025));
    let n = query(&data, "select count(*) from line_items").await;
    assert_eq!(n, expected);
    assert_whole(&data);
}

/// Documents rendered by `gen` and a dataset (in `tmp`) already holding the Henan one.
fn seeded(tmp: &Path, districts: usize, units: usize) -> (Vec<PathBuf>, PathBuf) {
    let docs = rendered(tmp, districts, units);
    let data = tmp.join("data");
    let status = yusuan(&data)
        .args(["ingest", "-q", HENAN])
        .status()
        .unwrap();
    assert!(status.success());
    (docs, data)
}

/// Starts `yusuan ingest` of `doc`.
fn spawn_ingest(data: &Path, doc: &Path) -> std::process::Child {
    yusuan(data)
        .args(["ingest", "-q"])
        .arg(doc)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs `readers` threads calling `read` until `work` returns (or panics), then joins them:
/// a failing reader or a failing `work` fails the test, and nothing is left running.
fn beside_readers(readers: usize, read: &(dyn Fn() + Sync), work: impl FnOnce()) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                s.spawn(|| {
                    let mut reads = 0;
                    while !stop.load(Ordering::Relaxed) {
                        read();
                        reads += 1;
                        // (Paced: on two cores, readers in a tight loop starve the writers.)
                        std::thread::sleep(Duration::from_millis(100));
                    }
                    reads
                })
            })
            .collect();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            match h.join() {
                Ok(reads) => assert!(reads > 0 || result.is_err(), "a reader never ran"),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        if let Err(p) = result {
            std::panic::resume_unwind(p);
        }
    });
}

/// One reader's query: documents and line items must be of one whole commit.
fn read_consistent(data: &Path) {
    let rows = sql_rows(
        data,
        "select (select count(*) from documents) as docs, \
         count(distinct doc_id) as with_items, count(*) as items, \
         (select sum(line_item_count) from documents) as stated \
         from line_items",
    )
    .unwrap_or_else(|e| panic!("a reader failed: {e}"));
    let v: Vec<i64> = rows[0].split(',').map(|x| x.parse().unwrap()).collect();
    assert_eq!(
        v[0], v[1],
        "documents and line items of different commits: {v:?}"
    );
    assert_eq!(v[2], v[3], "line items of a partial commit: {v:?}");
}

fn wait_ok(child: &mut std::process::Child, what: &str) {
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{what} failed: {err}");
}

#[test]
fn sixteen_ingests_and_a_check_at_once_lose_nothing_ten_rounds() {
    let tmp = tempfile::tempdir().unwrap();
    const ROUNDS: usize = 10;
    const WRITERS: usize = 16;
    let (docs, data) = seeded(tmp.path(), 4, ROUNDS * WRITERS / 4);
    beside_readers(2, &|| read_consistent(&data), || {
        for round in 0..ROUNDS {
            let batch = &docs[round * WRITERS..(round + 1) * WRITERS];
            let mut children: Vec<_> = batch.iter().map(|d| spawn_ingest(&data, d)).collect();
            let check = yusuan(&data)
                .args(["check", "--format", "csv", "--fail-on", "never"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            for (c, d) in children.iter_mut().zip(batch) {
                wait_ok(c, &format!("ingest of {}", d.display()));
            }
            let out = check.wait_with_output().unwrap();
            assert_ok(&out, "check");
            // (The findings, then a summary table per rule.)
            let printed = String::from_utf8_lossy(&out.stdout)
                .lines()
                .take_while(|l| !l.starts_with("rule_id,severity,failures"))
                .count()
                .saturating_sub(1);
            let docs_now = assert_whole(&data);
            assert_eq!(docs_now.len(), 1 + (round + 1) * WRITERS, "round {round}");
            // The check's findings are stored whole (the one check of the round).
            let stored = sql_rows(&data, "select count(*) from check_results").unwrap();
            assert_eq!(
                stored[0].parse::<usize>().unwrap(),
                printed,
                "round {round}"
            );
        }
    });
}

#[test]
fn eight_readers_beside_repeated_ingests_see_every_reported_success() {
    let tmp = tempfile::tempdir().unwrap();
    let (docs, data) = seeded(tmp.path(), 1, 12);
    let read = || {
        // About one read in four is a whole `check` (which also writes), the others a query.
        if fastrand::u8(..4) == 0 {
            let out = yusuan(&data)
                .args(["check", "--format", "csv", "--fail-on", "never"])
                .output()
                .unwrap();
            assert_ok(&out, "a check");
        } else {
            read_consistent(&data);
        }
    };
    beside_readers(8, &read, || {
        for d in &docs {
            wait_ok(
                &mut spawn_ingest(&data, d),
                &format!("ingest of {}", d.display()),
            );
        }
    });
    let stored = assert_whole(&data);
    assert_eq!(stored.len(), 1 + docs.len());
}

#[test]
fn sigkill_at_any_point_loses_nothing_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let (docs, data) = seeded(tmp.path(), 2, 12);
    // Measure one ingest, then kill ingests at points spread over that time (before,
    // during and after their commit).
    let start = std::time::Instant::now();
    assert!(spawn_ingest(&data, &docs[0]).wait().unwrap().success());
    let full = start.elapsed();
    let mut completed = 0;
    for (i, d) in docs[1..].iter().enumerate() {
        let mut child = spawn_ingest(&data, d);
        let at = full.mul_f64(0.1 + 1.1 * i as f64 / (docs.len() - 1) as f64);
        std::thread::sleep(at);
        let _ = child.kill();
        if child.wait().unwrap().success() {
            completed += 1;
        }
        // Every time: exactly the documents of completed commits, whole.
        assert_whole(&data);
    }
    let history = Dataset::open(&data).unwrap().history().unwrap();
    let ingests = history.iter().filter(|v| v.operation == "ingest").count();
    assert!(
        ingests >= 2 + completed,
        "{ingests} versions, {completed} exits 0"
    );
    // A killed writer leaves nothing that stops the next one.
    assert!(spawn_ingest(&data, &docs[1]).wait().unwrap().success());
    assert_whole(&data);
}

/// A Python with duckdb, polars, deltalake and pyarrow: `$YUSUAN_PEER_PYTHON`, the comparison
/// harness's venv (`target/bench-venv`), or `python3`.
fn peer_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("YUSUAN_PEER_PYTHON").map(PathBuf::from),
        Some(PathBuf::from("target/bench-venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import duckdb, polars, deltalake, pyarrow"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

#[test]
fn duckdb_and_polars_read_the_dataset_as_delta_tables() {
    let Some(python) = peer_python() else {
        eprintln!(
            "NOTICE: skipped: no Python with duckdb, polars, deltalake and pyarrow \
             (pip install duckdb polars deltalake pyarrow, or set YUSUAN_PEER_PYTHON)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args([
            "gen",
            "--districts",
            "2",
            "--units",
            "5",
            "--years",
            "2023-2024",
        ])
        .arg("--out")
        .arg(&data)
        .output()
        .unwrap();
    assert_ok(&out, "gen");
    // Commits after gen leave removed files on disk: the peers must read the logs.
    commit(&data, None);
    commit(&data, Some(2025));
    let sums = "SELECT year, count(*) AS docs, sum(income_total) AS income, \
                sum(expenditure_total) AS expenditure, sum(gpb_total) AS gpb, \
                sum(three_public_total) AS three_public FROM budget_totals GROUP BY year ORDER BY year";
    let ours: Vec<Vec<String>> = sql_rows(&data, sums)
        .unwrap()
        .iter()
        .map(|r| r.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(ours.len(), 3, "{ours:?}");
    let out = Command::new(&python)
        .arg("tests/fixtures/peer_sums.py")
        .arg(&data)
        .arg("queries/views/budget_totals.sql")
        .output()
        .unwrap();
    assert_ok(&out, "the peers' script");
    let peers: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for engine in ["duckdb", "polars"] {
        let rows: Vec<Vec<String>> = serde_json::from_value(peers[engine]["rows"].clone()).unwrap();
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|r| {
                r.into_iter()
                    .map(|v| if v == "None" { String::new() } else { v })
                    .collect()
            })
            .collect();
        assert_eq!(
            rows, ours,
            "{engine} (via {}) reads other sums",
            peers[engine]["via"]
        );
        eprintln!(
            "{engine} read the Delta tables via {}",
            peers[engine]["via"]
        );
    }
}
