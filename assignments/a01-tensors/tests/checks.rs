//! `cargo test -p a01-tensors`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a01_tensors_grader::suite(), a01_tensors_runner::RUNNER)
}
