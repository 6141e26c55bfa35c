//! The `yusuan` binary: parses the command line, runs it, turns the result into an exit
//! code (0 ok, 1 check findings, 2 error, 130/143 interrupted), prints errors to stderr; a
//! closed pipe is not an error. Runs the command on a thread with a large stack (so that a
//! deeply nested statement or document meets a limit, not a stack overflow), and removes
//! every temporary path the run registered (`yusuan::temp`) before it exits, also on
//! SIGINT/SIGTERM.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// The stack of the thread that runs the command and of the runtime's workers: reserved
/// address space, committed only as deep recursion uses it.
const STACK: usize = 1 << 30;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runner = std::thread::Builder::new()
        .name("yusuan-main".into())
        .stack_size(STACK)
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_stack_size(STACK)
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("yusuan: starting the runtime: {e}");
                    return ExitCode::from(2);
                }
            };
            runtime.block_on(run(cli))
        });
    let code = match runner.map(|t| t.join()) {
        Ok(Ok(code)) => code,
        // (The panic was printed by the hook.)
        Ok(Err(_)) => ExitCode::from(101),
        Err(e) => {
            eprintln!("yusuan: starting: {e}");
            ExitCode::from(2)
        }
    };
    yusuan::temp::remove_all();
    code
}

async fn run(cli: cli::Cli) -> ExitCode {
    // A command that does not answer Ctrl-C itself (the shell cancels the statement
    // running, `schedule` finishes its job) ends at once, its temporary files removed.
    if !cli.handles_interrupts() {
        tokio::spawn(async {
            let code = interrupted().await;
            yusuan::temp::remove_all();
            eprintln!("yusuan: interrupted");
            std::process::exit(code);
        });
    }
    match cli::run(cli).await {
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

/// Resolves on SIGINT (130) or SIGTERM (143), with the exit code a shell gives them.
async fn interrupted() -> i32 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            return tokio::select! {
                _ = tokio::signal::ctrl_c() => 130,
                _ = term.recv() => 143,
            };
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    130
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}
