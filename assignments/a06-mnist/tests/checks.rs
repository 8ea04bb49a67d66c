//! `cargo test -p a06-mnist`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a06_mnist_grader::suite(), a06_mnist_runner::RUNNER)
}
