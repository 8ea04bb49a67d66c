//! `cargo test -p a02-gradients`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a02_gradients_grader::suite(), a02_gradients_runner::RUNNER)
}
