//! The `yusuan` binary: parses the command line, runs it, turns the result into an exit
//! code (0 ok, 1 check findings, 2 error), prints errors to stderr; a closed pipe is not an error.

mod cli;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run(cli::Cli::parse()).await {
        Ok(cli::Status::Ok) => ExitCode::SUCCESS,
        Ok(cli::Status::Failed) => ExitCode::from(2),
        Ok(cli::Status::Findings) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("yusuan: {}", cli::render_error(&err));
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
