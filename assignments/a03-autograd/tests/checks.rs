//! `cargo test -p a03-autograd`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a03_autograd_grader::suite(), a03_autograd_runner::RUNNER)
}
