//! `yusuan sql`: which dataset to open, then statements from -c/-f (the first error stops
//! with exit 2 unless `.bail off`) or the interactive shell (`shell`).

use std::path::PathBuf;

use anyhow::{Context, bail};
use yusuan::engine::Engine;
use yusuan::storage::Dataset;

use super::shell::{self, Flow, Session};
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

pub async fn run(args: SqlArgs) -> anyhow::Result<Status> {
    let data = resolve_data(&args.data)?;
    let mut options = args.engine.options();
    options.as_of = args.as_of;
    let engine = Engine::open_with(&data, &options)
        .await
        .with_context(|| format!("opening {}", data.display()))?;
    if args.commands.is_empty() && args.files.is_empty() {
        return shell::interactive(&engine, args.format).await;
    }
    // -c and -f run in order; dot commands (.mode, .bail off, .output FILE …) work here
    // too. The first error stops the run with exit 2 unless `.bail off`.
    let mut session = Session::new(&engine, args.format, false);
    for (i, c) in args.commands.iter().enumerate() {
        if session
            .run_text(c)
            .await
            .with_context(|| format!("-c statement {}", i + 1))?
            == Flow::Quit
        {
            return Ok(status(&session));
        }
    }
    for f in &args.files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        if session
            .run_text(&text)
            .await
            .with_context(|| format!("in {}", f.display()))?
            == Flow::Quit
        {
            break;
        }
    }
    Ok(status(&session))
}

fn status(session: &Session) -> Status {
    if session.errors > 0 {
        Status::Failed
    } else {
        Status::Ok
    }
}
