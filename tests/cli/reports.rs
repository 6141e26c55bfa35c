//! `yusuan report` and `yusuan schedule` end to end: the shipped reports over the bundled
//! sample and a generated multi-district dataset (CSV numbers against direct SQL), the
//! published folder, byte-identical reruns, a failing query that changes nothing,
//! parameters that are data, validation errors with file and line, the scheduler under an
//! every-second timetable, and the page in a real headless browser (when one is installed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{assert_fails, sql_csv, stderr, stdout, yusuan};

fn run_report(
    report: &Path,
    data: Option<&Path>,
    out: &Path,
    params: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "report",
        "run",
        report.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    if let Some(d) = data {
        args.extend(["--data", d.to_str().unwrap()]);
    }
    for p in params {
        args.extend(["--param", p]);
    }
    yusuan(&args)
}

/// The folder `latest` points at.
fn latest(out: &Path, name: &str) -> PathBuf {
    let link = out.join(name).join("latest");
    let target = std::fs::read_link(&link).expect("latest is a link");
    out.join(name).join(target)
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    super::snapshot(dir)
        .into_iter()
        .map(|(p, bytes)| (p.strip_prefix(dir).unwrap().display().to_string(), bytes))
        .collect()
}

/// A CSV file's text without its byte-order mark (which it must have).
fn csv(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "{} has no BOM",
        path.display()
    );
    String::from_utf8(bytes[3..].to_vec()).unwrap()
}

/// Copies a shipped report into `dir` (to change it in a test).
fn copy_report(name: &str, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(Path::new("reports").join(name)).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
    to
}

/// A dataset with three districts, four units each, three years.
fn generated(tmp: &Path) -> PathBuf {
    let data = tmp.join("gen");
    let o = yusuan(&[
        "gen",
        "--out",
        data.to_str().unwrap(),
        "--districts",
        "3",
        "--units",
        "4",
        "--years",
        "2022-2024",
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    data
}

#[test]
fn overview_over_the_sample_publishes_every_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_report(Path::new("reports/overview"), None, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let run = latest(&out, "overview");
    assert_eq!(stdout(&o).trim(), run.display().to_string());
    let all = files(&run);
    for f in [
        "index.html",
        "overview.xlsx",
        "summary.md",
        "run.json",
        "data/totals.csv",
        "data/totals.parquet",
        "data/composition.csv",
        "data/findings.csv",
    ] {
        assert!(all.contains_key(f), "{f} missing: {:?}", all.keys());
    }
    assert!(all["overview.xlsx"].starts_with(b"PK"), "an xlsx is a zip");
    // One sheet per section, named by its title; money as numbers (read with unzip,
    // which .ci/run installs; skipped with a notice where it is missing).
    let xlsx = run.join("overview.xlsx");
    if Command::new("unzip").arg("-v").output().is_ok() {
        let unzip = |member: &str| {
            let o = Command::new("unzip")
                .arg("-p")
                .arg(&xlsx)
                .arg(member)
                .output()
                .unwrap();
            assert!(o.status.success(), "unzip {member}");
            String::from_utf8(o.stdout).unwrap()
        };
        let workbook = unzip("xl/workbook.xml");
        assert_eq!(workbook.matches("<sheet ").count(), 6, "{workbook}");
        assert!(workbook.contains("name=\"各地区支出总量\""), "{workbook}");
        assert!(unzip("xl/worksheets/sheet1.xml").contains("<v>105633.85</v>"));
        assert!(
            unzip("xl/sharedStrings.xml").contains("支出合计"),
            "headings from [labels]"
        );
    } else {
        eprintln!("NOTICE: no unzip; the xlsx sheets are not read back");
    }
    // The CSV numbers are those of the SQL, run directly.
    assert_eq!(
        csv(&run.join("data/totals.csv")),
        sql_csv_default(
            "select region, year, documents, round(wan(expenditure_total), 2) as expenditure_wan, \
             round(wan(basic_total), 2) as basic_wan, round(wan(project_total), 2) as project_wan \
             from region_years order by region, year"
        )
    );
    // The year parameter defaults to the latest year: 2025 in the sample, 上海市普陀区 only;
    // its 类 in 元 → 万元 from the line items themselves.
    let composition = csv(&run.join("data/composition.csv"));
    let direct = sql_csv_default(
        "select coalesce(region, '?') as region, function_code, round(wan(sum(amount)), 2) as total_wan \
         from line_items where table_kind = 'gpb_expenditure' and row_kind = 'function' \
         and function_level = 1 and column_key = 'total' and year = 2025 \
         group by 1, 2 order by 1, 3 desc, 2",
    );
    let pick = |text: &str, cols: &[usize]| -> Vec<String> {
        text.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                cols.iter().map(|&c| f[c]).collect::<Vec<_>>().join(",")
            })
            .collect()
    };
    assert_eq!(pick(&composition, &[0, 1, 3]), pick(&direct, &[0, 1, 2]));
    assert!(!pick(&composition, &[0]).is_empty());
    // One chart per charted section; Chinese labels; nothing loaded from elsewhere.
    let html = String::from_utf8(all["index.html"].clone()).unwrap();
    assert_eq!(html.matches("<svg").count(), 5, "five charted sections");
    assert!(html.contains("一般公共预算支出功能分类") && html.contains("上海市普陀区"));
    for banned in ["<script", "<link", "src=", "@import", "url("] {
        assert!(
            !html.contains(banned),
            "the page must be self-contained: {banned}"
        );
    }
    // Money in 万元 with thousands separators.
    assert!(html.contains("105,633.85"), "江苏省 2018 in 万元");
    let md = String::from_utf8(all["summary.md"].clone()).unwrap();
    assert!(md.starts_with("# 区县部门预算概览") && md.contains("| 地区 |"));
}

fn sql_csv_default(sql: &str) -> String {
    let o = yusuan(&["sql", "--format", "csv", "-c", sql]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn a_rerun_is_byte_identical_and_a_failing_one_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (_keep, data) = super::henan_dataset();
    let report = copy_report("overview", tmp.path());
    let out = tmp.path().join("out");
    let first = run_report(&report, Some(&data), &out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    let run1 = latest(&out, "overview");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = run_report(&report, Some(&data), &out, &[]);
    assert!(second.status.success(), "{}", stderr(&second));
    let run2 = latest(&out, "overview");
    assert_ne!(run1, run2, "each run has its own folder");
    let (mut a, mut b) = (files(&run1), files(&run2));
    assert!(a.remove("run.json").is_some() && b.remove("run.json").is_some());
    assert_eq!(a, b, "the same inputs give the same bytes");

    // A query that fails: exit 2 naming the report, the section, its file and the
    // reason; `latest` and both runs as they were, nothing half-written left.
    let before = files(&out.join("overview"));
    let link = std::fs::read_link(out.join("overview/latest")).unwrap();
    std::fs::write(
        report.join("growth.sql"),
        "select no_such_column from region_years",
    )
    .unwrap();
    let failed = run_report(&report, Some(&data), &out, &[]);
    assert_fails(&failed, "section growth");
    assert!(stderr(&failed).contains("growth.sql") && stderr(&failed).contains("no_such_column"));
    assert!(
        stderr(&failed).contains("report overview"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(
        std::fs::read_link(out.join("overview/latest")).unwrap(),
        link
    );
    assert_eq!(files(&out.join("overview")), before);
    let entries: Vec<String> = std::fs::read_dir(out.join("overview"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries.len(), 3, "two runs and latest: {entries:?}");
    // A failure while writing (a chart whose values are text, found after the queries ran
    // and the CSV, Parquet and xlsx files were written): the same.
    std::fs::copy("reports/overview/growth.sql", report.join("growth.sql")).unwrap();
    let toml = std::fs::read_to_string(report.join("report.toml")).unwrap();
    std::fs::write(
        report.join("report.toml"),
        toml.replace("y = [\"three_public_wan\"]", "y = [\"region\"]"),
    )
    .unwrap();
    let failed = run_report(&report, Some(&data), &out, &[]);
    assert_fails(&failed, "column 'region' is");
    assert!(
        stderr(&failed).contains("section three_public"),
        "{}",
        stderr(&failed)
    );
    assert_eq!(files(&out.join("overview")), before);
    assert_eq!(
        std::fs::read_link(out.join("overview/latest")).unwrap(),
        link
    );
    std::fs::write(report.join("report.toml"), toml).unwrap();
    // A missing dataset fails the same way.
    let gone = run_report(&report, Some(&tmp.path().join("nowhere")), &out, &[]);
    assert_fails(&gone, "holds no yusuan dataset");
    assert_eq!(files(&out.join("overview")), before);
}

#[test]
fn check_results_before_the_first_check_has_the_columns_check_writes() {
    let (_keep, data) = super::henan_dataset();
    let columns = || {
        sql_csv(&data, "describe check_results")
            .replace("Utf8View", "Utf8")
            .lines()
            .map(|l| l.rsplit_once(',').unwrap().0.to_string())
            .collect::<Vec<_>>()
    };
    let before = columns();
    assert_eq!(
        sql_csv(&data, "select count(*) as n from check_results"),
        "n\n0\n"
    );
    let o = yusuan(&[
        "check",
        "--data",
        data.to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(columns(), before, "name and type of every column");
}

#[test]
fn parameters_are_data_not_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let (_keep, data) = super::henan_dataset();
    let report = tmp.path().join("echo");
    std::fs::create_dir_all(&report).unwrap();
    std::fs::write(
        report.join("report.toml"),
        r#"title = "echo"
[params.name]
type = "text"
default = "nobody"
[params.year]
type = "int"
default = 2024
[[section]]
id = "echo"
title = "echo"
sql = "select $name as name, $year as year, count(*) as n from documents where unit_name = $name and year = $year"
"#,
    )
    .unwrap();
    let out = tmp.path().join("out");
    let hostile = "x' OR '1'='1'; DROP TABLE documents; --\"";
    let o = run_report(&report, Some(&data), &out, &[&format!("name={hostile}")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = csv(&latest(&out, "echo").join("data/echo.csv"));
    // The value comes back as itself (CSV-quoted), and matched nothing.
    assert_eq!(
        text,
        "name,year,n\n\"x' OR '1'='1'; DROP TABLE documents; --\"\"\",2024,0\n"
    );
    assert_eq!(
        sql_csv(&data, "select count(*) as n from documents"),
        "n\n1\n"
    );
    // The real unit's name matches.
    let o = run_report(
        &report,
        Some(&data),
        &out,
        &["name=洛龙区政务服务中心(本级)"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(csv(&latest(&out, "echo").join("data/echo.csv")).ends_with(",2024,1\n"));
    // Typed: a year that is no number, an unknown parameter.
    assert_fails(
        &run_report(&report, Some(&data), &out, &["year=2024 or 1=1"]),
        "not a whole number",
    );
    assert_fails(
        &run_report(&report, Some(&data), &out, &["nope=1"]),
        "no such parameter",
    );
}

#[test]
fn validate_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["overview", "district", "unit_profile"] {
        let o = yusuan(&["report", "validate", &format!("reports/{name}")]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains("valid"), "{}", stdout(&o));
    }
    let report = copy_report("overview", tmp.path());
    let toml = std::fs::read_to_string(report.join("report.toml")).unwrap();
    // A chart naming a column the query does not return.
    let broken = toml.replace(
        "y = [\"expenditure_wan\"], unit = \"万元\", limit = 20",
        "y = [\"nope\"], limit = 20",
    );
    assert_ne!(broken, toml);
    std::fs::write(report.join("report.toml"), &broken).unwrap();
    let line = broken.lines().position(|l| l.contains("\"nope\"")).unwrap() + 1;
    let o = yusuan(&["report", "validate", report.to_str().unwrap()]);
    assert_fails(&o, &format!("report.toml:{line}"));
    assert!(stderr(&o).contains("chart column 'nope'"), "{}", stderr(&o));
    // A query that does not plan: the SQL file named; nothing was run or written.
    std::fs::write(report.join("report.toml"), &toml).unwrap();
    std::fs::write(
        report.join("ranking.sql"),
        "select * from no_such_table where year = $year",
    )
    .unwrap();
    let o = yusuan(&["report", "validate", report.to_str().unwrap()]);
    assert_fails(&o, "ranking.sql");
    assert!(stderr(&o).contains("no_such_table"));
    // A TOML error with its line.
    std::fs::write(
        report.join("report.toml"),
        "title = \"x\"\n[[section]]\nid = 1\n",
    )
    .unwrap();
    assert_fails(
        &yusuan(&["report", "validate", report.to_str().unwrap()]),
        "report.toml:3",
    );
}

#[test]
fn district_pages_over_a_generated_dataset_equal_direct_sql() {
    let tmp = tempfile::tempdir().unwrap();
    let data = generated(tmp.path());
    let out = tmp.path().join("out");
    let o = run_report(Path::new("reports/district"), Some(&data), &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let run = latest(&out, "district");
    let regions: Vec<String> = sql_csv(
        &data,
        "select distinct region from documents order by region",
    )
    .lines()
    .skip(1)
    .map(str::to_string)
    .collect();
    assert_eq!(regions.len(), 3);
    for r in &regions {
        let page = std::fs::read_to_string(run.join("pages").join(format!("{r}.html"))).unwrap();
        assert!(page.contains(&format!("地区部门预算 · {r}")), "{r}");
        // Three charted sections on a page (years, composition, three_public).
        assert_eq!(page.matches("<svg").count(), 3, "{r}");
    }
    let index = std::fs::read_to_string(run.join("index.html")).unwrap();
    assert_eq!(index.matches("<svg").count(), 1);
    for r in &regions {
        // (minijinja escapes the slash in attributes; a browser reads it as '/'.)
        assert!(
            index.contains(&format!("href=\"pages&#x2f;{r}.html\"")),
            "{r}"
        );
    }
    // The per-page section's CSV holds every page's rows, led by the region.
    assert_eq!(
        csv(&run.join("data/years.csv")),
        sql_csv(
            &data,
            "select region, year, documents, round(wan(expenditure_total), 2) as expenditure_wan, \
             round(wan(basic_total), 2) as basic_wan, round(wan(project_total), 2) as project_wan, \
             pct_change(expenditure_total, lag(expenditure_total) over (partition by region order by year)) as change_pct \
             from region_years order by region, year"
        )
    );
    // The overview over the same data.
    let o = run_report(
        Path::new("reports/overview"),
        Some(&data),
        &out,
        &["year=2023"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let run = latest(&out, "overview");
    assert_eq!(
        csv(&run.join("data/ranking.csv")).lines().count(),
        13,
        "header and 12 units of 2023"
    );
    assert_eq!(
        csv(&run.join("data/three_public.csv")).lines().count(),
        10,
        "header and 3 regions × 3 years"
    );
    let json = std::fs::read_to_string(run.join("run.json")).unwrap();
    assert!(json.contains("\"year\": \"2023\""), "{json}");
    // A profile of one generated unit.
    let unit = sql_csv(
        &data,
        "select unit_name from documents order by unit_name limit 1",
    );
    let unit = unit.lines().nth(1).unwrap();
    let o = run_report(
        Path::new("reports/unit_profile"),
        Some(&data),
        &out,
        &[&format!("unit={unit}")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let headline = csv(&latest(&out, "unit_profile").join("data/headline.csv"));
    assert!(headline.lines().count() > 1, "{headline}");
}

/// Runs `yusuan schedule` for `millis`, then sends SIGTERM and waits for it.
fn schedule_for(config: &Path, data: &Path, millis: u64) -> std::process::Output {
    let child = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args([
            "schedule",
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
        .env_remove("YUSUAN_DATA")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(millis));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    child.wait_with_output().unwrap()
}

#[test]
fn schedule_runs_jobs_without_overlap_and_stops_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let (_keep, data) = super::henan_dataset();
    let config = tmp.path().join("schedule.toml");
    std::fs::write(
        &config,
        format!(
            r#"out = "out"
[[job]]
name = "overview"
cron = "* * * * * *"
report = "{}"

[[job]]
name = "check"
cron = "* * * * * *"
check = true

[[job]]
name = "broken"
cron = "*/2 * * * * *"
report = "no-such-report"
"#,
            std::fs::canonicalize("reports/overview").unwrap().display()
        ),
    )
    .unwrap();
    let o = schedule_for(&config, &data, 5000);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let log = stderr(&o);
    assert!(
        log.contains("stopping: waiting for running jobs to finish"),
        "{log}"
    );
    assert!(
        log.trim_end().ends_with("yusuan schedule: stopped"),
        "{log}"
    );
    assert!(
        log.contains("job=broken kind=report") && log.contains("outcome=failed"),
        "{log}"
    );
    // Every run is in job_runs; a job's runs never overlap; the failing job did not stop
    // the others.
    let runs = sql_csv(
        &data,
        "select job, outcome, cast(started as bigint) as s, cast(finished as bigint) as f from job_runs \
         where outcome <> 'skipped' order by job, started",
    );
    let mut by_job: BTreeMap<String, Vec<(i64, i64, String)>> = BTreeMap::new();
    for l in runs.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        by_job.entry(f[0].to_string()).or_default().push((
            f[2].parse().unwrap(),
            f[3].parse().unwrap(),
            f[1].to_string(),
        ));
    }
    for job in ["overview", "check", "broken"] {
        let runs = by_job
            .get(job)
            .unwrap_or_else(|| panic!("no run of {job}: {runs}"));
        for w in runs.windows(2) {
            assert!(w[1].0 >= w[0].1, "{job} overlaps itself: {runs:?}");
        }
        let want = if job == "broken" { "failed" } else { "ok" };
        assert!(runs.iter().all(|r| r.2 == want), "{job}: {runs:?}");
    }
    assert!(by_job["overview"].len() >= 2, "{by_job:?}");
    // Each report run published a folder.
    let published = std::fs::read_dir(tmp.path().join("out/overview"))
        .unwrap()
        .count();
    assert_eq!(published, by_job["overview"].len() + 1, "runs and latest");
    // catch_up: the every-second job last ran above; a due time has passed since, so a
    // scheduler started now runs it at once.
    let catch_up = tmp.path().join("catch_up.toml");
    std::fs::write(
        &catch_up,
        "[[job]]\nname = \"check\"\ncron = \"* * * * * *\"\ncheck = true\ncatch_up = true\n",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let o = schedule_for(&catch_up, &data, 500);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("job=check catching up the run due"),
        "{}",
        stderr(&o)
    );
    // An ingest job takes the folder's files that are new since its last good run.
    let inbox = tmp.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::copy(super::HENAN, inbox.join("henan.txt")).unwrap();
    let ingest = tmp.path().join("ingest.toml");
    std::fs::write(
        &ingest,
        "[[job]]\nname = \"inbox\"\ncron = \"@hourly\"\ningest = \"inbox\"\n",
    )
    .unwrap();
    let once = |config: &Path| {
        yusuan(&[
            "schedule",
            "--once",
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ])
    };
    let o = once(&ingest);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("rows=1 outcome=ok"), "{}", stderr(&o));
    let o = once(&ingest);
    assert!(
        stderr(&o).contains("rows=0 outcome=ok") && stderr(&o).contains("no new files"),
        "{}",
        stderr(&o)
    );
    // --once: every job now; a failed job makes exit 2.
    let o = once(&config);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        stderr(&o).matches("outcome=ok").count(),
        2,
        "{}",
        stderr(&o)
    );
}

/// Opens the page in Chromium (the system package) when it is installed: a screenshot,
/// and a script in the page that measures every chart label as laid out and reports any
/// two that overlap. Skips with a notice when no Chromium is found.
#[test]
fn page_in_a_headless_browser_has_no_overlapping_labels() {
    let Some(browser) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        eprintln!("NOTICE: no chromium installed; the browser test is skipped");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run_report(Path::new("reports/overview"), None, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = latest(&out, "overview").join("index.html");
    let html = std::fs::read_to_string(&page).unwrap();
    let probe = include_str!("overlap.js");
    let probed = tmp.path().join("probe.html");
    std::fs::write(
        &probed,
        html.replace("</body>", &format!("<script>{probe}</script></body>")),
    )
    .unwrap();
    let dom = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=3000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", probed.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let verdict = dom
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or_default()
        .to_string();
    let labels: usize = verdict
        .strip_prefix("labels:")
        .and_then(|v| v.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the probe did not run: {verdict}"));
    assert!(labels > 30, "the charts' labels were measured: {verdict}");
    assert!(verdict.ends_with("overlaps:0"), "labels overlap: {verdict}");
    let shot = tmp.path().join("shot.png");
    let s = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=900,1400",
        ])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 20_000,
        "a screenshot with content"
    );
}
