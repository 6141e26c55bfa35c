//! The `yusuan` binary end to end: ingest → sql on temporary directories, bad input,
//! re-ingest, the bundled sample, and the dataset's files read back with the `parquet`
//! crate alone; `reports` (tests/cli/reports.rs): `yusuan report` and `yusuan schedule`.

#[path = "cli/reports.rs"]
mod reports;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HENAN: &str = "datasets/text/000_59511c5e13e4fdad.txt";

fn yusuan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args(args)
        .env_remove("YUSUAN_DATA")
        .output()
        .expect("runs the binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit code 2 and a message on stderr.
fn assert_fails(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    assert!(
        stderr(o).contains(needle),
        "expected '{needle}' in: {}",
        stderr(o)
    );
}

/// A temporary directory with the Henan document ingested into `<tmp>/data`.
fn henan_dataset() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ingest(&data, &[HENAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    (tmp, data)
}

fn ingest(data: &Path, files: &[&str]) -> Output {
    let mut args = vec!["ingest", "--data", data.to_str().unwrap()];
    args.extend_from_slice(files);
    yusuan(&args)
}

fn sql_csv(data: &Path, sql: &str) -> String {
    let o = yusuan(&[
        "sql",
        "--data",
        data.to_str().unwrap(),
        "--format",
        "csv",
        "-c",
        sql,
    ]);
    assert!(o.status.success(), "sql failed: {}", stderr(&o));
    stdout(&o)
}

/// Every file under `dir` with its bytes, to prove a failed ingest changed nothing.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn ingest_then_query() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ingest(&data, &[HENAN]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("洛龙区政务服务中心(本级) 2024 (budget unit, 河南省洛阳市洛龙区): 13 tables"),
        "{out}"
    );
    assert!(out.contains("1 document(s) ingested"), "{out}");
    // Warnings name the file and line.
    assert!(
        stderr(&o).contains("000_59511c5e13e4fdad.txt:318 [econ_summary] amount_completed"),
        "{}",
        stderr(&o)
    );

    assert_eq!(
        sql_csv(
            &data,
            "select year, unit_name, income_total, expenditure_total, project_count, project_list_total, wan(income_total) as income_wan from budget_totals"
        ),
        "year,unit_name,income_total,expenditure_total,project_count,project_list_total,income_wan\n\
         2024,洛龙区政务服务中心(本级),8272900.00,8272900.00,11,5441200.00,827.290000\n"
    );
    assert_eq!(
        sql_csv(
            &data,
            "select function_code, level, function_name, total, basic, project from gpb_by_function order by function_code"
        ),
        "function_code,level,function_name,total,basic,project\n\
         2010350,3,事业运行,7652900.00,2211700.00,5441200.00\n\
         2080502,3,事业单位离退休,61000.00,61000.00,\n\
         2080505,3,机关事业单位基本养老保险缴费支出,204100.00,204100.00,\n\
         2101102,3,事业单位医疗,189600.00,189600.00,\n\
         2210201,3,住房公积金,165300.00,165300.00,\n"
    );
    // Warnings are queryable next to the data.
    let w = sql_csv(
        &data,
        "select count(*) as n from ingest_warnings where code = 'amount_completed'",
    );
    assert_eq!(w, "n\n3\n");
    // Output formats.
    let o = yusuan(&[
        "sql",
        "--data",
        data.to_str().unwrap(),
        "--format",
        "json",
        "-c",
        "select unit_code from documents",
    ]);
    assert_eq!(stdout(&o).trim(), r#"[{"unit_code":"605001"}]"#);
    let o = yusuan(&[
        "sql",
        "--data",
        data.to_str().unwrap(),
        "--format",
        "markdown",
        "-c",
        "select 1 as a, 'x|y' as b",
    ]);
    assert_eq!(stdout(&o), "| a | b |\n| ---: | --- |\n| 1 | x\\|y |\n");
}

#[test]
fn reingest_replaces_rows() {
    let (_tmp, data) = henan_dataset();
    let before = sql_csv(&data, "select count(*) as n from line_items");
    let o = ingest(&data, &[HENAN]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("(1 replaced"), "{}", stdout(&o));
    assert_eq!(
        sql_csv(&data, "select count(*) as n from documents"),
        "n\n1\n"
    );
    assert_eq!(
        sql_csv(&data, "select count(*) as n from line_items"),
        before
    );
}

#[test]
fn failing_statement_exits_2_with_the_message() {
    let (tmp, data) = henan_dataset();
    let o = yusuan(&[
        "sql",
        "--data",
        data.to_str().unwrap(),
        "-c",
        "select nope from documents",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    let o = yusuan(&[
        "sql",
        "--data",
        tmp.path().join("missing").to_str().unwrap(),
        "-c",
        "select 1",
    ]);
    assert_fails(&o, "holds no yusuan dataset");
}

#[test]
fn bad_input_leaves_the_dataset_untouched() {
    let (tmp, data) = henan_dataset();
    let before = snapshot(&data);

    let write = |name: &str, bytes: &[u8]| {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    };
    let cases = [
        (write("empty.txt", b""), "the file is empty"),
        (
            write(
                "notes.txt",
                "# 会议纪要\n\n今天讨论了工作安排。\n".as_bytes(),
            ),
            "not a budget disclosure",
        ),
        (
            write("blob.txt", &[0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0xff]),
            "binary file",
        ),
        (
            write("latin1.txt", &[0x23, 0x20, 0xd4, 0xa4, 0xcb, 0xe3, 0x0a]),
            ":1: not valid UTF-8",
        ),
    ];
    for (path, reason) in &cases {
        let o = ingest(&data, &[path]);
        assert_eq!(o.status.code(), Some(2), "{path}");
        let err = stderr(&o);
        assert!(
            err.contains(path.as_str()) && err.contains(reason),
            "{path}: {err}"
        );
        assert!(err.contains("nothing ingested"), "{err}");
        assert_eq!(snapshot(&data), before, "{path} changed the dataset");
    }
    // A good file beside a bad one: the good one lands, the run still exits 2.
    let o = ingest(&data, &[HENAN, &cases[0].0]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("1 failed"), "{}", stdout(&o));
    // A directory that is not a dataset is refused.
    let other = tmp.path().join("other");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "x").unwrap();
    let o = ingest(&other, &[HENAN]);
    assert_fails(&o, "holds no yusuan dataset");
}

#[test]
fn truncated_document_is_ingested_with_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let full = std::fs::read_to_string(HENAN).unwrap();
    // Cut inside 单位支出预算表, after its 事业运行 row (line 213).
    let cut: String = full.lines().take(213).map(|l| format!("{l}\n")).collect();
    let path = tmp.path().join("truncated.txt");
    std::fs::write(&path, cut).unwrap();
    let o = ingest(&data, &[path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("truncated.txt:20 [gpb_expenditure] table_missing"),
        "{err}"
    );
    assert!(
        err.contains("truncated.txt:28 [performance_targets] table_missing"),
        "{err}"
    );
    // What was printed before the cut is kept, exactly.
    assert_eq!(
        sql_csv(
            &data,
            "select income_total, basic_total, gpb_total from budget_totals"
        ),
        "income_total,basic_total,gpb_total\n8272900.00,2831700.00,\n"
    );
}

#[test]
fn incompatible_dataset_is_refused() {
    let (_tmp, data) = henan_dataset();
    let marker = data.join("_yusuan.json");
    let text = std::fs::read_to_string(&marker).unwrap().replace(
        &format!(
            "\"schema_version\": {}",
            yusuan::model::schema::SCHEMA_VERSION
        ),
        "\"schema_version\": 0",
    );
    std::fs::write(&marker, text).unwrap();
    let before = snapshot(&data);
    let o = ingest(&data, &[HENAN]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("schema version 0"), "{}", stderr(&o));
    assert_eq!(snapshot(&data), before);
}

#[test]
fn final_accounts_are_a_different_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let path = tmp.path().join("final.txt");
    std::fs::write(
        &path,
        "# 2023年某某局决算说明\n\n本单位2023年收入总计100.00万元。\n\n# 2023年收入支出决算总表\n\n单位:万元\n\n收入\t\t支出\t\n项目\t金额\t项目\t金额\n一、一般公共预算财政拨款收入\t100.00\t一、一般公共服务支出\t100.00\n收入总计\t100.00\t支出总计\t100.00\n",
    )
    .unwrap();
    let o = ingest(&data, &[path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        sql_csv(&data, "select kind, year, income_total from budget_totals"),
        "kind,year,income_total\nfinal_accounts,2023,1000000.00\n"
    );
}

#[test]
fn a_statement_may_start_with_a_comment() {
    // A query file's text passed to -c: clap must not take its leading `--` for a flag.
    let (_tmp, data) = henan_dataset();
    assert_eq!(
        sql_csv(
            &data,
            "-- the document's year\nselect year from budget_totals"
        ),
        "year\n2024\n"
    );
}

#[test]
fn sql_without_data_uses_the_bundled_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args([
            "sql",
            "--format",
            "csv",
            "-c",
            "select unit_name, income_total from budget_totals order by unit_name",
        ])
        .current_dir(tmp.path())
        .env_remove("YUSUAN_DATA")
        .env("XDG_CACHE_HOME", tmp.path().join("cache"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // The Henan text and the corpus PDFs, each figure as printed (收入合计: 827.29 万元,
    // 156,211,123 元, 31,214,205.80 元, 10,150.48 万元).
    let out = stdout(&o);
    for line in [
        "上海市普陀区人民政府万里街道办事处,156211123.00",
        "上海市普陀区财政局,31214205.80",
        "江苏省政协办公厅,101504800.00",
        "洛龙区政务服务中心(本级),8272900.00",
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing from\n{out}");
    }
    assert!(tmp.path().join("cache/yusuan").read_dir().unwrap().count() >= 1);
}

#[test]
fn files_read_back_with_the_parquet_crate_alone() {
    use datafusion::arrow::array::{Array, Decimal128Array, StringArray};
    use datafusion::arrow::datatypes::DataType;
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::parquet::basic::Compression;

    let (_tmp, data) = henan_dataset();
    // The file the table's Delta log adds (plain JSON lines, as every Delta reader reads).
    let log = std::fs::read_to_string(data.join("line_items/_delta_log/00000000000000000001.json"))
        .unwrap();
    let adds: Vec<String> = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["add"]["path"].as_str().map(str::to_string))
        .collect();
    assert_eq!(adds.len(), 1, "{log}");
    assert!(adds[0].starts_with("year=2024/"), "{adds:?}");
    let file = data.join("line_items").join(&adds[0]);
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).unwrap()).unwrap();
    let meta = builder.metadata().clone();
    let rg = meta.row_group(0);
    assert!(matches!(rg.column(0).compression(), Compression::ZSTD(_)));
    assert!(
        rg.column(0).statistics().is_some(),
        "row-group statistics are written"
    );
    let schema = builder.schema().clone();
    assert!(
        schema.field_with_name("year").is_err(),
        "year is the partition value in the log and the directory"
    );
    assert_eq!(
        schema.field_with_name("amount").unwrap().data_type(),
        &DataType::Decimal128(18, 2)
    );
    let mut total_income: i128 = 0;
    let mut rows = 0;
    for batch in builder.build().unwrap() {
        let batch = batch.unwrap();
        rows += batch.num_rows();
        let key = batch
            .column_by_name("line_key")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let table = batch
            .column_by_name("table_kind")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let amount = batch
            .column_by_name("amount")
            .unwrap()
            .as_any()
            .downcast_ref::<Decimal128Array>()
            .unwrap();
        for i in 0..batch.num_rows() {
            if !key.is_null(i)
                && key.value(i) == "INC_TOTAL"
                && table.value(i) == "income_expenditure_summary"
            {
                total_income += amount.value(i);
            }
        }
    }
    assert_eq!(total_income, 827_290_000, "收入总计 827.29 万元 in 分");
    assert_eq!(
        rows, 303,
        "one row per amount cell of tests/golden/henan_2024_amounts.txt"
    );
}

#[test]
fn a_header_repeated_on_the_next_page_is_not_data() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let path = tmp.path().join("paged.txt");
    let header = "类\t款\t项\t单位代码\t单位(科目名称)\t合计\t基本支出\t项目支出";
    std::fs::write(
        &path,
        format!(
            "# 2025年某某中心预算说明\n\n# 2025年单位支出预算表\n\n单位:元\n\n{header}\n\t\t\t\t合计\t300.00\t100.00\t200.00\n201\t01\t01\t\t行政运行\t100.00\t100.00\t\n\n{header}\n201\t01\t02\t\t一般行政管理事务\t200.00\t\t200.00\n"
        ),
    )
    .unwrap();
    let o = ingest(&data, &[path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        sql_csv(
            &data,
            "select function_code, row_label, column_key, amount from line_items order by row_no, column_key"
        ),
        "function_code,row_label,column_key,amount\n\
         ,合计,basic,100.00\n,合计,project,200.00\n,合计,total,300.00\n\
         2010101,行政运行,basic,100.00\n2010101,行政运行,total,100.00\n\
         2010102,一般行政管理事务,project,200.00\n2010102,一般行政管理事务,total,200.00\n"
    );
}

#[test]
fn the_pdf_corpus_is_one_document_per_unit_year() {
    // Every corpus PDF: 5 Jiangsu departments × 2017/2018 (four of them published as a
    // 文件 + 表格 pair) and the two Shanghai documents, once each. Totals as printed
    // (支出合计, 万元 in Jiangsu: 24,458.43 → 244584300.00 元).
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ingest(&data, &["datasets/pdf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        sql_csv(
            &data,
            "select year, unit_name, expenditure_total from budget_totals order by 2, 1"
        ),
        "year,unit_name,expenditure_total\n\
         2024,上海市普陀区人民政府万里街道办事处,156211123.00\n\
         2025,上海市普陀区财政局,31214205.80\n\
         2017,中共江苏省委办公厅,208494500.00\n\
         2018,中共江苏省委办公厅,244584300.00\n\
         2017,江苏省人大常委会办公厅,136490700.00\n\
         2018,江苏省人大常委会办公厅,158974400.00\n\
         2017,江苏省人民检察院,179966800.00\n\
         2018,江苏省人民检察院,219553500.00\n\
         2017,江苏省政协办公厅,91467900.00\n\
         2018,江苏省政协办公厅,101504800.00\n\
         2017,江苏省高级人民法院,288493800.00\n\
         2018,江苏省高级人民法院,331721500.00\n"
    );
    // The pairs: the tables' document lists its narrative and carries its facts.
    assert_eq!(
        sql_csv(
            &data,
            "select year, unit_name_printed, companion_path is not null as paired, fact_count > 0 as has_facts \
             from documents where region = '江苏省' order by unit_name, year"
        ),
        "year,unit_name_printed,paired,has_facts\n\
         2017,中国共产党江苏省委员会办公厅,true,true\n\
         2018,中共江苏省委办公厅,true,true\n\
         2017,江苏省人大常委会办公厅,false,true\n\
         2018,江苏省人大常委会办公厅,false,true\n\
         2017,江苏省人民检察院,false,true\n\
         2018,江苏省人民检察院,false,true\n\
         2017,江苏省政协办公厅,true,true\n\
         2018,江苏省政协办公厅,true,true\n\
         2017,江苏省高级人民法院,false,true\n\
         2018,江苏省高级人民法院,false,true\n"
    );
    // The 2017 省委办公厅 narrative states 收入、支出预算总计20849.45万元.
    assert_eq!(
        sql_csv(
            &data,
            "select f.amount from narrative_facts f join documents d using (doc_id) \
             where d.unit_name = '中共江苏省委办公厅' and d.year = 2017 \
             and f.fact_key = 'other.income_total' order by f.source_line limit 1"
        ),
        "amount\n208494500.00\n"
    );
}

#[test]
fn a_narrative_pdf_alone_is_refused_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = ingest(
        &data,
        &["datasets/pdf/jiangsu/江苏省政协办公厅/江苏省政协办公厅2018年度部门预算.pdf"],
    );
    assert_fails(&o, "ingest it together with the PDF of its tables");
    assert!(stderr(&o).contains("江苏省政协办公厅2018年度部门预算.pdf"));
}

#[test]
fn dot_commands_in_batch_runs() {
    let (tmp, data) = henan_dataset();
    let d = data.to_str().unwrap();
    let csv = tmp.path().join("out.csv");
    let parquet = tmp.path().join("out.parquet");
    let xlsx = tmp.path().join("out.xlsx");
    let q = "select unit_name, wan(income_total) as income_wan from budget_totals";
    let o = yusuan(&[
        "sql",
        "--data",
        d,
        "-c",
        &format!(".output {}", csv.display()),
        "-c",
        q,
        "-c",
        &format!(".output {}", parquet.display()),
        "-c",
        q,
        "-c",
        &format!(".output {}", xlsx.display()),
        "-c",
        q,
        "-c",
        ".output",
        "-c",
        ".mode line",
        "-c",
        q,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 收入合计 827.29 万元 in the document.
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        "unit_name,income_wan\n洛龙区政务服务中心(本级),827.290000\n"
    );
    assert!(std::fs::read(&parquet).unwrap().starts_with(b"PAR1"));
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    assert_eq!(
        stdout(&o),
        " unit_name = 洛龙区政务服务中心(本级)\nincome_wan = 827.290000\n"
    );
    // The Parquet file reads back as a table.
    let o = yusuan(&[
        "sql",
        "--data",
        d,
        "--format",
        "csv",
        "-c",
        &format!(
            "create external table back stored as parquet location '{}'",
            parquet.display()
        ),
        "-c",
        "select * from back",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "unit_name,income_wan\n洛龙区政务服务中心(本级),827.290000\n"
    );
    // An unknown command suggests the closest; the run stops with exit 2.
    let o = yusuan(&["sql", "--data", d, "-c", ".mdoe csv", "-c", q]);
    assert_fails(&o, "did you mean .mode?");
    // .bail off: errors are reported, the run goes on, the exit code says so.
    let o = yusuan(&[
        "sql",
        "--data",
        d,
        "--format",
        "csv",
        "-c",
        ".bail off",
        "-c",
        "select nope",
        "-c",
        "select 1 as one",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(stdout(&o), "one\n1\n");
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    // .summarize: per column type, count, nulls, distinct, min, max.
    let o = yusuan(&[
        "sql",
        "--data",
        d,
        "--format",
        "csv",
        "-c",
        ".summarize budget_totals",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o)
            .lines()
            .any(|l| l == "year,Int32,1,0,1,2024,2024"),
        "{}",
        stdout(&o)
    );
}
