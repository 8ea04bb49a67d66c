//! `cargo test -p a05-cnn-leakage`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a05_cnn_leakage_grader::suite(), a05_cnn_leakage_runner::RUNNER)
}
