//! `cargo test -p a07-spatiotemporal`: runs the visible checks against your code.
//! Pass `-- --check ID` to run one check, `-- --seed N` to change the inputs.

fn main() -> std::process::ExitCode {
    gradwork::student::main(a07_spatiotemporal_grader::suite(), a07_spatiotemporal_runner::RUNNER)
}
