//! The a03-autograd grader: `gradwork grade a03-autograd ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a03_autograd_grader::suite())
}
