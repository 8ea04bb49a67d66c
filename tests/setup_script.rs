//! `tools/setup_libtorch.py` fails with one clear line, not a backtrace.

use std::process::Command;

fn run_setup(envs: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("python3");
    cmd.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/setup_libtorch.py")).arg("--dry-run");
    cmd.env_remove("LIBTORCH").env_remove("LIBTORCH_USE_PYTORCH");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("python3 runs");
    (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_libtorch_of_the_wrong_version_is_named_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("include")).expect("mkdir");
    std::fs::write(dir.path().join("lib/libtorch_cpu.so"), b"").expect("write");
    std::fs::write(dir.path().join("version.py"), "__version__ = '2.11.0+cpu'\n").expect("write");
    let (ok, stderr) = run_setup(&[("LIBTORCH", dir.path().to_str().expect("utf-8 path"))]);
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("holds torch 2.11.0, but tch 0.26 needs exactly 2.13.0"), "{stderr}");
}

#[test]
fn a_directory_that_is_not_libtorch_is_named_in_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (ok, stderr) = run_setup(&[("LIBTORCH", dir.path().to_str().expect("utf-8 path"))]);
    assert!(!ok);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("is not a libtorch tree"), "{stderr}");
}

#[test]
fn a_python_without_torch_is_named_in_one_line() {
    let (ok, stderr) = run_setup(&[("LIBTORCH_USE_PYTORCH", "1"), ("VIRTUAL_ENV", "")]);
    // The machine's python3 has no torch (setup installs torch into its own virtualenv).
    if ok {
        return; // a machine whose python3 has torch 2.13.0: nothing to test here
    }
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains("import torch") || stderr.contains("needs exactly"), "{stderr}");
}
