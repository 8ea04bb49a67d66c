//! `cargo test -p a04-training`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a04_training_grader::suite(), a04_training_runner::RUNNER)
}
