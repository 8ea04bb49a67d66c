//! `make-a03-data` parses its arguments: `--help` prints usage and writes
//! nothing, `--seed N` writes a fresh data set where it is told, an unknown
//! option is refused.

use std::process::Command;

fn make_data() -> Command {
    Command::new(env!("CARGO_BIN_EXE_make-a03-data"))
}

#[test]
fn help_prints_usage_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = make_data().arg("--help").current_dir(dir.path()).output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Usage: make-a03-data") && text.contains("--seed"), "{text}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("readable").count(), 0, "--help wrote files");
}

#[test]
fn a_seed_writes_a_fresh_data_set_where_asked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = make_data().args(["--seed", "7"]).arg(dir.path()).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let train = std::fs::read_to_string(dir.path().join("tabular_train.csv")).expect("written");
    assert_eq!(train, a03_autograd_grader::data::tabular_csv(7, a03_autograd_grader::data::TABULAR_ROWS).0);
    assert_ne!(train, a03_autograd_grader::data::TABULAR_TRAIN_CSV, "seed 7 gave the shipped data");
    let regression = std::fs::read_to_string(dir.path().join("regression.csv")).expect("written");
    assert_eq!(regression, a03_autograd_grader::data::regression_csv(7, a03_autograd_grader::data::REGRESSION_ROWS));
}

#[test]
fn unknown_options_and_bad_seeds_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [&["--bogus"][..], &["--seed", "seven"][..]] {
        let out = make_data().args(args).current_dir(dir.path()).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("error:"), "{args:?}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("readable").count(), 0);
}
