//! The a06-mnist grader: `gradwork grade a06-mnist ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a06_mnist_grader::suite())
}
