//! The a02-gradients grader: `gradwork grade a02-gradients ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a02_gradients_grader::suite())
}
