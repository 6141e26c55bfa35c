//! A SQL session as the shell and `-c`/`-f` runs see it: statements and dot commands, the
//! settings they change (`.mode`, `.timer`, `.maxrows`, `.output`, `.bail`), result
//! files (CSV, JSON, Parquet, Excel), and — interactively — the rustyline editor with
//! completion, highlighting, multi-line input and Ctrl-C cancelling the running query.
//! Owns no rendering (that is `print`) and no engine setup (that is `sql`).

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use futures::StreamExt;
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::history::FileHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context as RlContext, Editor, Helper};
use yusuan::engine::{Engine, FUNCTIONS};

use super::print::{Format, PrintOptions, ResultWriter, terminal_width};

/// Where results go after `.output FILE`.
#[derive(Debug, Clone)]
enum Target {
    Stdout,
    /// A text format appended to the file.
    Text(PathBuf, Format),
    /// Each result replaces the file.
    Parquet(PathBuf),
    Xlsx(PathBuf),
}

/// The dot commands, for `.help`, completion and suggestions.
pub const DOT_COMMANDS: &[(&str, &str)] = &[
    (
        ".help",
        ".help [functions]      this help, or the functions yusuan adds",
    ),
    (".tables", ".tables                tables and views"),
    (
        ".schema",
        ".schema [TABLE]        columns and types (of one table)",
    ),
    (
        ".mode",
        ".mode MODE             table|box|csv|json|ndjson|markdown|line",
    ),
    (
        ".timer",
        ".timer on|off          print each statement's run time",
    ),
    (
        ".maxrows",
        ".maxrows N             table/box rows before the middle is elided (0: all)",
    ),
    (
        ".output",
        ".output [FILE]         results to FILE (.csv .json .ndjson .md .parquet .xlsx); alone: back to the screen",
    ),
    (
        ".read",
        ".read FILE             run the statements and commands in FILE",
    ),
    (
        ".bail",
        ".bail on|off           stop at the first error (on in -c/-f runs)",
    ),
    (
        ".summarize",
        ".summarize TABLE       per column: type, count, nulls, distinct, min, max",
    ),
    (".quit", ".quit                  leave (also .exit, Ctrl-D)"),
    (".exit", ".exit                  leave"),
];

/// What a dot command asks of the loop.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// A SQL session: the engine and the settings dot commands change.
pub struct Session<'a> {
    engine: &'a Engine,
    pub format: Format,
    pub max_rows: Option<usize>,
    pub timer: bool,
    pub bail: bool,
    interactive: bool,
    target: Target,
    /// Errors met while `bail` was off.
    pub errors: usize,
}

impl<'a> Session<'a> {
    pub fn new(engine: &'a Engine, format: Format, interactive: bool) -> Session<'a> {
        Session {
            engine,
            format,
            max_rows: interactive.then_some(40),
            timer: false,
            bail: !interactive,
            interactive,
            target: Target::Stdout,
            errors: 0,
        }
    }

    fn print_options(&self) -> PrintOptions {
        PrintOptions {
            format: self.format,
            max_rows: self.max_rows,
            max_width: if self.interactive {
                terminal_width()
            } else {
                None
            },
        }
    }

    /// Runs a text of statements and dot commands (a dot command is a line of its own
    /// between statements). With `bail` on, the first error is returned.
    pub async fn run_text(&mut self, text: &str) -> anyhow::Result<Flow> {
        let mut buffer = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if buffer.trim().is_empty() && trimmed.starts_with('.') {
                buffer.clear();
                let r = self.dot(trimmed).await;
                if self.guard(r)? == Some(Flow::Quit) {
                    return Ok(Flow::Quit);
                }
                continue;
            }
            buffer.push_str(line);
            buffer.push('\n');
            if trimmed.ends_with(';') {
                let sql = std::mem::take(&mut buffer);
                let r = self.sql(&sql).await;
                self.guard(r)?;
            }
        }
        if !buffer.trim().is_empty() {
            let r = self.sql(&buffer).await;
            self.guard(r)?;
        }
        Ok(Flow::Continue)
    }

    /// With `bail` on, an error ends the run; off, it is printed and counted.
    fn guard<T>(&mut self, r: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(e) if !self.bail => {
                eprintln!("Error: {}", super::render_error(&e));
                self.errors += 1;
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Plans, runs and prints each statement of `sql`. Interactively, Ctrl-C cancels the
    /// running statement.
    pub async fn sql(&mut self, sql: &str) -> anyhow::Result<()> {
        let statements = DFParser::parse_sql_with_dialect(sql, &GenericDialect {})?;
        for statement in statements {
            yusuan::engine::depth::check_depth(
                &statement,
                yusuan::engine::depth::MAX_STATEMENT_DEPTH,
            )?;
            let started = Instant::now();
            let ctx = self.engine.context();
            let run = async {
                let plan = ctx.state().statement_to_plan(statement).await?;
                let df = ctx.execute_logical_plan(plan).await?;
                self.emit(df.execute_stream().await?).await
            };
            let result = if self.interactive {
                tokio::select! {
                    r = run => r,
                    _ = tokio::signal::ctrl_c() => bail!("query cancelled (Ctrl-C)"),
                }
            } else {
                run.await
            };
            // (A Parquet error names no file: the damaged one is looked for.)
            if let Err(e) = result {
                let damaged = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<datafusion::error::DataFusionError>())
                    .and_then(|df| self.engine.damaged_file(df));
                let text = format!("{e:#}");
                return Err(match damaged {
                    Some(d) => e.context(d),
                    // (DataFusion names its own settings; ours are the options.)
                    None if text.contains("max_temp_directory_size") => e.context(
                        "the query spilled more to disk than --max-spill-size allows \
                         (raise it, or give it more --memory-limit)",
                    ),
                    None if text.contains("datafusion.runtime.memory_limit") => e.context(
                        "the query needs more memory than --memory-limit gives (raise it)",
                    ),
                    None => e,
                });
            }
            if self.timer {
                eprintln!("Run time: {:.3} s", started.elapsed().as_secs_f64());
            }
        }
        Ok(())
    }

    /// Writes one result where `.output` points, batch by batch as the query makes them:
    /// printing holds a bounded number of rows whatever the result's size (an Excel sheet,
    /// which is written whole, holds at most its format's 1,048,576 rows).
    async fn emit(&self, mut stream: SendableRecordBatchStream) -> anyhow::Result<()> {
        let schema = stream.schema();
        match &self.target {
            Target::Stdout => {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
                write_stream(&mut out, stream, &self.print_options()).await?;
            }
            Target::Text(path, format) => {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut out = std::io::BufWriter::with_capacity(1 << 16, f);
                write_stream(&mut out, stream, &PrintOptions::full(*format))
                    .await
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Target::Parquet(path) => {
                // (Written beside the file and renamed over it when complete: an error or
                // Ctrl-C leaves the previous file, and no partial one.)
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                let tmp = yusuan::temp::TempPath::register(path.with_file_name(format!(
                    ".{}.tmp-{}",
                    name.unwrap_or_default(),
                    std::process::id()
                )));
                let file = std::fs::File::create(tmp.path())
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut w = datafusion::parquet::arrow::ArrowWriter::try_new(file, schema, None)?;
                while let Some(b) = stream.next().await {
                    w.write(&b?)?;
                }
                w.close()?;
                tmp.keep(|t| std::fs::rename(t, path))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            Target::Xlsx(path) => {
                const SHEET_ROWS: usize = 1_048_575;
                let (mut batches, mut rows) = (Vec::new(), 0);
                while let Some(b) = stream.next().await {
                    let b = b?;
                    rows += b.num_rows();
                    if rows > SHEET_ROWS {
                        bail!(
                            "{}: an Excel sheet holds at most {SHEET_ROWS} rows and a header; \
                             write .csv or .parquet instead",
                            path.display()
                        );
                    }
                    batches.push(b);
                }
                write_xlsx(path, &batches)?;
            }
        }
        Ok(())
    }

    /// Runs one dot command.
    pub async fn dot(&mut self, line: &str) -> anyhow::Result<Flow> {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let args: Vec<&str> = words.collect();
        let on_off = |args: &[&str]| match args {
            ["on"] => Ok(true),
            ["off"] => Ok(false),
            _ => Err(anyhow::anyhow!("{command} takes on or off")),
        };
        match command {
            ".quit" | ".exit" => return Ok(Flow::Quit),
            ".help" => match args.as_slice() {
                ["functions"] => {
                    for (usage, what) in FUNCTIONS {
                        println!("{usage:<32} {what}");
                    }
                    println!(
                        "…and every DataFusion function: select * from information_schema.routines"
                    );
                }
                _ => println!("{}", help()),
            },
            ".tables" => {
                self.sql(
                    "select table_name, table_type from information_schema.tables \
                     where table_schema = 'public' order by table_type, table_name;",
                )
                .await?
            }
            ".schema" => {
                let filter = match args.as_slice() {
                    [] => String::new(),
                    [t] => format!("and table_name = '{}'", t.replace('\'', "''")),
                    _ => bail!(".schema takes at most one table name"),
                };
                self.sql(&format!(
                    "select table_name, column_name, data_type, is_nullable \
                     from information_schema.columns where table_schema = 'public' {filter} \
                     order by table_name, ordinal_position;"
                ))
                .await?
            }
            ".mode" => match args.as_slice() {
                [m] => {
                    self.format = Format::parse(m).ok_or_else(|| {
                        anyhow::anyhow!("unknown mode '{m}'; modes: {}", Format::NAMES.join(", "))
                    })?
                }
                _ => bail!(".mode takes one of {}", Format::NAMES.join(", ")),
            },
            ".timer" => self.timer = on_off(&args)?,
            ".bail" => self.bail = on_off(&args)?,
            ".maxrows" => match args.as_slice() {
                [n] => {
                    let n: usize = n
                        .parse()
                        .map_err(|_| anyhow::anyhow!(".maxrows takes a number, got '{n}'"))?;
                    self.max_rows = (n > 0).then_some(n);
                }
                _ => bail!(".maxrows takes a number (0: no limit)"),
            },
            ".output" => {
                self.target = match args.as_slice() {
                    [] => Target::Stdout,
                    [file] => target_for(Path::new(file), self.format)?,
                    _ => bail!(".output takes one file name, or nothing for the screen"),
                }
            }
            ".read" => match args.as_slice() {
                [file] => {
                    let text =
                        std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
                    return Box::pin(self.run_text(&text))
                        .await
                        .with_context(|| format!("in {file}"));
                }
                _ => bail!(".read takes one file name"),
            },
            ".summarize" => match args.as_slice() {
                [table] => {
                    let sql = summarize_sql(self.engine, table).await?;
                    self.sql(&sql).await?
                }
                _ => bail!(".summarize takes one table name"),
            },
            other => {
                let closest = DOT_COMMANDS
                    .iter()
                    .map(|(c, _)| (strsim::levenshtein(c, other), *c))
                    .min();
                match closest {
                    Some((d, c)) if d <= 3 => {
                        bail!("unknown command '{other}'; did you mean {c}? (.help lists them)")
                    }
                    _ => bail!("unknown command '{other}'; .help lists the commands"),
                }
            }
        }
        Ok(Flow::Continue)
    }
}

fn help() -> String {
    let mut s = String::from(
        "Statements end with ';' and may span lines; Tab completes keywords, tables, columns,\n\
         functions and commands; Ctrl-C cancels a running query or clears the input; Ctrl-D leaves.\n\n",
    );
    for (_, usage) in DOT_COMMANDS.iter().filter(|(c, _)| *c != ".exit") {
        s.push_str(usage);
        s.push('\n');
    }
    s.push_str(
        "\nTables: documents, source_tables, line_items, narrative_facts, narrative_claims,\n\
         projects, performance_indicators, ingest_warnings; reference ref_*; views\n\
         budget_totals, gpb_by_function, gpb_function_rollup, spending_by_econ, unit_years,\n\
         region_years, spending_mix, unit_rankings, claim_comparisons.\n\
         .help functions lists wan(), class_name() and the other budget functions.",
    );
    s
}

/// The result file for `.output FILE`, by extension.
fn target_for(path: &Path, mode: Format) -> anyhow::Result<Target> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let text = |f: Format| Target::Text(path.to_path_buf(), f);
    Ok(match ext.as_str() {
        "csv" => text(Format::Csv),
        "json" => text(Format::Json),
        "ndjson" | "jsonl" => text(Format::Ndjson),
        "md" => text(Format::Markdown),
        "parquet" => Target::Parquet(path.to_path_buf()),
        "xlsx" => Target::Xlsx(path.to_path_buf()),
        _ => text(mode),
    })
}

/// Prints a result stream in one mode; nothing when the statement makes no batch.
async fn write_stream(
    out: &mut dyn Write,
    mut stream: SendableRecordBatchStream,
    options: &PrintOptions,
) -> anyhow::Result<()> {
    let Some(first) = stream.next().await else {
        return Ok(());
    };
    let first = first?;
    let mut w = ResultWriter::new(out, first.schema(), options)?;
    w.write(&first)?;
    // Batches go one by one until the writer can render them on their own (a grid reads
    // its first rows to size its columns; one keeping only its first and last rows never
    // can); then each is rendered on a blocking thread, as many at once as there are
    // cores, and written in order: formatting keeps pace with the scan.
    loop {
        if let Some(renderer) = w.renderer() {
            let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
            let mut rendered = stream
                .map(move |b| {
                    let renderer = renderer.clone();
                    async move {
                        let b = b?;
                        tokio::task::spawn_blocking(move || renderer.render(&b)).await?
                    }
                })
                .buffered(threads);
            while let Some(r) = rendered.next().await {
                w.put(r?)?;
            }
            break;
        }
        match stream.next().await {
            Some(b) => w.write(&b?)?,
            None => break,
        }
    }
    w.finish()
}

/// An Excel sheet (`yusuan::report::write::write_xlsx`): a header row, numbers as
/// numbers, text as text.
fn write_xlsx(path: &Path, batches: &[RecordBatch]) -> anyhow::Result<()> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    yusuan::report::write::write_xlsx(
        path,
        &[("Sheet1".to_string(), first.schema(), batches)],
        &Default::default(),
        now,
    )?;
    Ok(())
}

/// DuckDB's SUMMARIZE: per column of `table` its type, count, nulls, distinct, min, max.
async fn summarize_sql(engine: &Engine, table: &str) -> anyhow::Result<String> {
    let provider = engine
        .context()
        .table_provider(table)
        .await
        .with_context(|| format!("no table or view named '{table}'"))?;
    let schema = provider.schema();
    let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let parts: Vec<String> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = quoted(f.name());
            format!(
                "select {i} as n, '{name}' as column_name, '{ty}' as column_type, count(*) as rows, \
                 count(*) - count({c}) as nulls, count(distinct {c}) as distinct_values, \
                 cast(min({c}) as varchar) as min, cast(max({c}) as varchar) as max from {t}",
                name = f.name().replace('\'', "''"),
                ty = f.data_type(),
                t = quoted(table),
            )
        })
        .collect();
    Ok(format!(
        "select column_name, column_type, rows, nulls, distinct_values, min, max from ({}) order by n;",
        parts.join(" union all ")
    ))
}

/// The editor's helper: completion, highlighting, multi-line validation.
struct ShellHelper {
    words: Vec<String>,
}

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "ORDER",
    "HAVING",
    "LIMIT",
    "OFFSET",
    "JOIN",
    "LEFT",
    "RIGHT",
    "INNER",
    "OUTER",
    "FULL",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "BETWEEN",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "DISTINCT",
    "UNION",
    "ALL",
    "WITH",
    "OVER",
    "PARTITION",
    "DESC",
    "ASC",
    "CAST",
    "EXPLAIN",
    "ANALYZE",
    "CREATE",
    "VIEW",
    "TABLE",
    "EXTERNAL",
    "COPY",
    "TO",
    "SHOW",
    "TABLES",
    "COLUMNS",
    "DESCRIBE",
    "EXISTS",
    "TRUE",
    "FALSE",
    "INTERVAL",
    "NULLS",
    "FIRST",
    "LAST",
];

impl ShellHelper {
    async fn new(engine: &Engine) -> ShellHelper {
        let mut words: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        let ctx = engine.context();
        if let Ok(df) = ctx
            .sql(
                "select distinct table_name from information_schema.tables where table_schema = 'public' \
                 union select distinct column_name from information_schema.columns where table_schema = 'public'",
            )
            .await
            && let Ok(batches) = df.collect().await
        {
            for b in &batches {
                if let Ok(f) = ArrayFormatter::try_new(b.column(0).as_ref(), &FormatOptions::default()) {
                    words.extend((0..b.num_rows()).map(|r| f.value(r).to_string()));
                }
            }
        }
        let state = ctx.state();
        words.extend(state.scalar_functions().keys().cloned());
        words.extend(state.aggregate_functions().keys().cloned());
        words.extend(state.window_functions().keys().cloned());
        words.extend(DOT_COMMANDS.iter().map(|(c, _)| c.to_string()));
        words.sort();
        words.dedup();
        ShellHelper { words }
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &RlContext<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        let word = &before[start..];
        // `.mode <Tab>`: the modes.
        if let Some(rest) = before.trim_start().strip_prefix(".mode ") {
            let start = pos - rest.len();
            return Ok((
                start,
                Format::NAMES
                    .iter()
                    .filter(|m| m.starts_with(rest))
                    .map(|m| Pair {
                        display: m.to_string(),
                        replacement: m.to_string(),
                    })
                    .collect(),
            ));
        }
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let lower = word.to_lowercase();
        let candidates = self
            .words
            .iter()
            .filter(|w| w.to_lowercase().starts_with(&lower) && w.as_str() != word)
            .map(|w| {
                // Keywords follow the case the user types.
                let replacement =
                    if KEYWORDS.contains(&w.as_str()) && word.chars().all(|c| !c.is_uppercase()) {
                        w.to_lowercase()
                    } else {
                        w.clone()
                    };
                Pair {
                    display: w.clone(),
                    replacement,
                }
            })
            .collect();
        Ok((start, candidates))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if line.trim_start().starts_with('.') {
            return Cow::Owned(format!("\x1b[36m{line}\x1b[0m"));
        }
        let mut out = String::with_capacity(line.len() + 16);
        let mut word = String::new();
        let mut in_string = false;
        let flush = |word: &mut String, out: &mut String| {
            if KEYWORDS.contains(&word.to_uppercase().as_str()) {
                out.push_str(&format!("\x1b[1;34m{word}\x1b[0m"));
            } else {
                out.push_str(word);
            }
            word.clear();
        };
        for c in line.chars() {
            if in_string {
                out.push(c);
                if c == '\'' {
                    out.push_str("\x1b[0m");
                    in_string = false;
                }
            } else if c == '\'' {
                flush(&mut word, &mut out);
                out.push_str("\x1b[32m'");
                in_string = true;
            } else if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        if in_string {
            out.push_str("\x1b[0m");
        }
        Cow::Owned(out)
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        true
    }
}

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty() || input.starts_with('.') || input.ends_with(';') {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Helper for ShellHelper {}

fn history_path() -> Option<PathBuf> {
    let dir = dirs::data_dir()?.join("yusuan");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir.join("history.txt"))
}

/// The interactive shell.
pub async fn interactive(engine: &Engine, format: Format) -> anyhow::Result<super::Status> {
    let mut rl: Editor<ShellHelper, FileHistory> = Editor::new()?;
    rl.set_helper(Some(ShellHelper::new(engine).await));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    // (The session reads this one version throughout, as a transaction's snapshot.)
    println!(
        "yusuan {} — dataset {} at version {}. Type .help for help.",
        env!("CARGO_PKG_VERSION"),
        engine.data_dir().display(),
        engine.version()
    );
    let mut session = Session::new(engine, format, true);
    loop {
        match rl.readline("yusuan> ") {
            Ok(input) => {
                let trimmed = input.trim();
                if trimmed.is_empty() {
                    continue;
                }
                let _ = rl.add_history_entry(trimmed);
                match session.run_text(&input).await {
                    Ok(Flow::Quit) => break,
                    Ok(Flow::Continue) => {}
                    Err(e) => eprintln!("Error: {}", super::render_error(&e)),
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
    Ok(super::Status::Ok)
}
