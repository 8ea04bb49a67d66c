//! The a07-spatiotemporal grader: `gradwork grade a07-spatiotemporal ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a07_spatiotemporal_grader::suite())
}
