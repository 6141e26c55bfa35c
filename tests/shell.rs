//! The interactive shell driven through a pseudo-terminal, as a user types: a statement
//! over two lines, a dot command, Tab completion, an error that does not end the shell,
//! Ctrl-C cancelling a long query, and `.quit`.

use std::process::Command;
use std::time::Duration;

#[test]
fn a_session_in_a_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let ingest = Command::new(env!("CARGO_BIN_EXE_yusuan"))
        .args(["ingest", "-q", "--data"])
        .arg(&data)
        .arg("datasets/text/000_59511c5e13e4fdad.txt")
        .output()
        .unwrap();
    assert!(ingest.status.success());

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yusuan"));
    cmd.args(["sql", "--data"])
        .arg(&data)
        // History goes to the user's data directory: keep it in the temp dir.
        .env("HOME", tmp.path())
        .env("XDG_DATA_HOME", tmp.path().join("share"))
        .env("TERM", "xterm")
        .env("COLUMNS", "120");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).unwrap();
    p.exp_string("Type .help for help.").unwrap();
    // Input typed before the prompt is up may be discarded by the terminal switching
    // modes, as with any line editor: wait for it.
    let prompt = |p: &mut rexpect::session::PtySession| {
        p.exp_string("yusuan> ").unwrap();
    };
    prompt(&mut p);

    // A statement over two lines (the first has no ';').
    p.send_line("select unit_name,").unwrap();
    p.send_line("  wan(income_total) as income_wan from budget_totals;")
        .unwrap();
    p.exp_string("827.290000").unwrap(); // 收入合计 827.29 万元
    p.exp_string("1 row").unwrap();
    prompt(&mut p);

    // A dot command changes the mode.
    p.send_line(".mode csv").unwrap();
    prompt(&mut p);
    p.send_line("select 41 + 1 as answer;").unwrap();
    p.exp_string("answer").unwrap();
    p.exp_string("42").unwrap();
    prompt(&mut p);

    // Tab completes a view's name.
    p.send("select count(*) as n from budget_tot").unwrap();
    p.send("\t").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    p.send_line(";").unwrap();
    p.exp_string("n\r\n1").unwrap();
    prompt(&mut p);

    // An error is reported and the shell goes on.
    p.send_line("select no_such_column from documents;")
        .unwrap();
    p.exp_string("Error:").unwrap();
    p.exp_string("no_such_column").unwrap();
    prompt(&mut p);
    p.send_line("select 'still here' as s;").unwrap();
    // (Matched on the output line, not on the typed input's echo.)
    p.exp_string("\r\nstill here").unwrap();
    prompt(&mut p);

    // Ctrl-C cancels a long query, not the shell.
    p.send_line("select count(*) from range(1000000000000);")
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    p.send_control('c').unwrap();
    p.exp_string("cancelled").unwrap();
    prompt(&mut p);
    p.send_line("select 'after cancel' as s;").unwrap();
    p.exp_string("\r\nafter cancel").unwrap();
    prompt(&mut p);

    p.send_line(".quit").unwrap();
    p.exp_eof().unwrap();
    // The history was written where the user's data lives, not in the working directory.
    assert!(tmp.path().join("share/yusuan/history.txt").exists());
}
