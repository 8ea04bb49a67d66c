//! The a01-tensors grader: `gradwork grade a01-tensors ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a01_tensors_grader::suite())
}
