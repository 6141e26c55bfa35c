//! `yusuan sql`: statements from -c/-f (the first error stops with exit 2), or an
//! interactive shell (rustyline; statements end with `;`; errors are printed and the
//! shell goes on; Ctrl-C clears the input, Ctrl-D exits).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use rustyline::error::ReadlineError;
use yusuan::engine::{Engine, EngineOptions};
use yusuan::storage::Dataset;

use super::print::{Format, print_batches};
use super::{DataArg, SqlArgs, Status, default_data_dir, sample};

/// The dataset a `sql` run reads: `--data`/`$YUSUAN_DATA` (must exist), else
/// `./yusuan-data` if it holds a dataset, else the bundled sample.
pub fn resolve_data(arg: &DataArg) -> anyhow::Result<PathBuf> {
    if let Some(d) = &arg.data {
        if !Dataset::exists(d) {
            bail!(
                "{} holds no yusuan dataset (no _yusuan.json); ingest into it first: yusuan ingest --data {} FILE...",
                d.display(),
                d.display()
            );
        }
        return Ok(d.clone());
    }
    let default = default_data_dir();
    if Dataset::exists(&default) {
        return Ok(default);
    }
    sample::dataset()
}

/// Runs every statement of `text`, printing each result. Stops at the first error.
pub async fn exec_text(
    engine: &Engine,
    text: &str,
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let statements = DFParser::parse_sql_with_dialect(text, &GenericDialect {})?;
    for statement in statements {
        let state = engine.context().state();
        let plan = state.statement_to_plan(statement).await?;
        let df = engine.context().execute_logical_plan(plan).await?;
        let batches = df.collect().await?;
        print_batches(out, &batches, format)?;
        out.flush()?;
    }
    Ok(())
}

pub async fn run(args: SqlArgs) -> anyhow::Result<Status> {
    let data = resolve_data(&args.data)?;
    let options = EngineOptions {
        memory_limit: args.memory_limit,
        threads: args.threads,
    };
    let engine = Engine::open_with(&data, &options)
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    if args.commands.is_empty() && args.files.is_empty() {
        return shell(&engine, args.format).await;
    }
    let mut out = std::io::stdout().lock();
    for (i, c) in args.commands.iter().enumerate() {
        exec_text(&engine, c, args.format, &mut out)
            .await
            .with_context(|| format!("-c statement {}", i + 1))?;
    }
    for f in &args.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        exec_text(&engine, &text, args.format, &mut out)
            .await
            .with_context(|| format!("in {}", f.display()))?;
    }
    Ok(Status::Ok)
}

fn history_path() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("yusuan");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}

const HELP: &str = "Statements end with ';' and may span lines. Tables: documents, source_tables,
line_items, narrative_facts, projects, performance_indicators, ingest_warnings; views:
budget_totals, gpb_by_function. Functions: wan(amount) shows 元 as 万元.
Commands: .tables  .help  .quit (or Ctrl-D). Ctrl-C clears the current input.";

async fn shell(engine: &Engine, format: Format) -> anyhow::Result<Status> {
    let mut rl = rustyline::DefaultEditor::new()?;
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!(
        "yusuan {} — dataset {}. Type .help for help.",
        env!("CARGO_PKG_VERSION"),
        engine.data_dir().display()
    );
    let mut buffer = String::new();
    loop {
        let prompt = if buffer.is_empty() {
            "yusuan> "
        } else {
            "   ...> "
        };
        match rl.readline(prompt) {
            Ok(line) => {
                let trimmed = line.trim();
                if buffer.is_empty() && trimmed.starts_with('.') {
                    let _ = rl.add_history_entry(trimmed);
                    match trimmed {
                        ".quit" | ".exit" => break,
                        ".help" => println!("{HELP}"),
                        ".tables" => {
                            if let Err(e) = exec_text(engine, "select table_name, table_type from information_schema.tables where table_schema = 'public' order by 1", format, &mut std::io::stdout()).await {
                                eprintln!("Error: {}", super::render_error(&e));
                            }
                        }
                        other => eprintln!("Error: unknown command '{other}'; try .help"),
                    }
                    continue;
                }
                if trimmed.is_empty() && buffer.is_empty() {
                    continue;
                }
                buffer.push_str(&line);
                buffer.push('\n');
                if trimmed.ends_with(';') {
                    let sql = std::mem::take(&mut buffer);
                    let _ = rl.add_history_entry(sql.trim());
                    if let Err(e) = exec_text(engine, &sql, format, &mut std::io::stdout()).await {
                        eprintln!("Error: {}", super::render_error(&e));
                    }
                }
            }
            Err(ReadlineError::Interrupted) => buffer.clear(),
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(Path::new(h));
    }
    Ok(Status::Ok)
}
