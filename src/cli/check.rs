//! `yusuan check`: runs the reconciliation rules (`yusuan::check`) over the dataset, prints
//! the findings and a summary per rule and per document, stores them as the dataset's
//! `check_results` table, and turns them into the exit code (`--fail-on`).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use datafusion::datasource::MemTable;
use yusuan::check::{Rule, Severity, builtin_rules, parse_rules, run as run_rules};
use yusuan::engine::Engine;
use yusuan::storage::{CHECK_RESULTS, CommitInfo, Dataset};

use super::print::{Format, PrintOptions, print_batches};
use super::{DataArg, Status};

/// Which findings make the run fail (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

/// `yusuan check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// A directory of user rules (`*.sql`, each opening with `-- id:`, `-- severity:`,
    /// `-- description:`); may be repeated.
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Run only these rule ids (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub only: Vec<String>,
    /// Output format of the findings and summaries.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity exists.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Print the query each selected rule runs (its findings in the standard columns;
    /// one statement per rule) instead of running it.
    #[arg(long)]
    pub show_sql: bool,
    #[command(flatten)]
    pub engine: super::EngineArgs,
}

fn load_rules(args: &CheckArgs) -> anyhow::Result<Vec<Rule>> {
    let mut rules = builtin_rules()?;
    for dir in &args.rules {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading rules directory {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        files.sort();
        for f in files {
            let text =
                std::fs::read_to_string(&f).with_context(|| format!("reading {}", f.display()))?;
            let found = parse_rules(&f.display().to_string(), &text)?;
            if found.is_empty() {
                anyhow::bail!(
                    "{}: no rule (a rule starts with '-- id: …', '-- severity: …', '-- description: …')",
                    f.display()
                );
            }
            rules.extend(found);
        }
    }
    if !args.only.is_empty() {
        let unknown: Vec<&String> = args
            .only
            .iter()
            .filter(|id| !rules.iter().any(|r| &r.id == *id))
            .collect();
        if !unknown.is_empty() {
            anyhow::bail!(
                "unknown rule id(s) {}; rules: {}",
                unknown
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                rules
                    .iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        rules.retain(|r| args.only.contains(&r.id));
    }
    let mut seen = std::collections::BTreeSet::new();
    for r in &rules {
        if !seen.insert(r.id.clone()) {
            anyhow::bail!("rule id {} is defined twice (last in {})", r.id, r.source);
        }
    }
    Ok(rules)
}

/// Stores the findings as the dataset's `check_results` (a new dataset version; the
/// findings name the version they were computed over).
fn store(
    data: &std::path::Path,
    version: u64,
    findings: &datafusion::arrow::array::RecordBatch,
) -> anyhow::Result<()> {
    let info = CommitInfo {
        operation: "check".into(),
        message: Some(format!("findings over dataset version {version}")),
    };
    Dataset::open(data)?.replace_derived(CHECK_RESULTS, findings, &info)?;
    Ok(())
}

/// The built-in rules over `data`, findings stored, nothing printed (the scheduler's
/// check job). Returns the number of findings.
pub async fn run_and_store(data: &std::path::Path) -> anyhow::Result<usize> {
    let engine = Engine::open(data)
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    let findings = run_rules(&engine, &builtin_rules()?)
        .await
        .context("running the rules")?;
    // (The commit may wait for another writer's lock: off the runtime's threads.)
    let (data, version, n) = (data.to_path_buf(), engine.version(), findings.num_rows());
    tokio::task::spawn_blocking(move || store(&data, version, &findings)).await??;
    Ok(n)
}

pub async fn run(args: CheckArgs) -> anyhow::Result<Status> {
    if args.show_sql {
        let mut out = std::io::stdout().lock();
        for r in load_rules(&args)? {
            use std::io::Write;
            writeln!(
                out,
                "-- id: {}\n-- severity: {}\n-- scope: {}\n-- description: {}\n{};\n",
                r.id,
                r.severity.as_str(),
                r.scope.as_str(),
                r.description,
                yusuan::check::findings_sql(&r)
            )?;
        }
        return Ok(Status::Ok);
    }
    let data = super::sql::resolve_data(&args.data)?;
    let engine = Engine::open_with(&data, &args.engine.options())
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    let rules = load_rules(&args)?;
    let findings = run_rules(&engine, &rules)
        .await
        .context("running the rules")?;
    // The findings, then the summaries (computed by SQL over the findings).
    let options = PrintOptions::full(args.format);
    let mut out = std::io::stdout().lock();
    if findings.num_rows() > 0 {
        print_batches(&mut out, std::slice::from_ref(&findings), &options)?;
    }
    let ctx = engine.context();
    ctx.register_table(
        "findings",
        Arc::new(MemTable::try_new(
            findings.schema(),
            vec![vec![findings.clone()]],
        )?),
    )?;
    let rules_sql: Vec<String> = rules
        .iter()
        .map(|r| {
            format!(
                "select '{}' as rule_id, '{}' as rule_severity, '{}' as description",
                r.id,
                r.severity.as_str(),
                r.description.replace('\'', "''")
            )
        })
        .collect();
    let per_rule = engine
        .sql(&format!(
            "with r as ({}) select r.rule_id, r.rule_severity as severity, \
             count(f.rule_id) filter (where f.severity <> 'info') as failures, \
             count(f.rule_id) filter (where f.severity = 'info') as rounding, r.description \
             from r left join findings f on f.rule_id = r.rule_id \
             group by r.rule_id, r.rule_severity, r.description order by r.rule_id",
            rules_sql.join(" union all ")
        ))
        .await?;
    print_batches(&mut out, &per_rule, &options)?;
    // Per document: only those with findings (a dataset may hold 100,000 documents).
    if findings.num_rows() > 0 {
        let per_doc = engine
            .sql(
                "select region, unit_name, year, \
                 count(*) filter (where severity = 'error') as errors, \
                 count(*) filter (where severity = 'warning') as warnings, \
                 count(*) filter (where severity = 'info') as rounding \
                 from findings group by region, unit_name, year order by region, unit_name, year",
            )
            .await?;
        print_batches(&mut out, &per_doc, &options)?;
    }
    let totals = engine
        .sql(
            "select (select count(*) from documents) as documents, \
             (select count(distinct doc_id) from findings where severity <> 'info') as failing, \
             (select count(*) from findings where severity = 'error') as errors, \
             (select count(*) from findings where severity = 'warning') as warnings, \
             (select count(*) from findings where severity = 'info') as rounding",
        )
        .await?;
    if let Some(b) = totals.first() {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int64Type;
        let n = |i: usize| b.column(i).as_primitive::<Int64Type>().value(0);
        eprintln!(
            "{} rule(s) over {} document(s): {} with findings ({} error(s), {} warning(s)); {} rounding difference(s)",
            rules.len(),
            n(0),
            n(1),
            n(2),
            n(3),
            n(4)
        );
    }
    store(&data, engine.version(), &findings)?;
    let worst = (0..findings.num_rows())
        .filter_map(|i| {
            use datafusion::arrow::array::AsArray;
            let sev = findings
                .column_by_name("severity")?
                .as_string::<i32>()
                .value(i)
                .to_string();
            Severity::parse(&sev)
        })
        .max();
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Never => None,
    };
    Ok(match (worst, threshold) {
        (Some(w), Some(t)) if w >= t => Status::Findings,
        _ => Status::Ok,
    })
}
