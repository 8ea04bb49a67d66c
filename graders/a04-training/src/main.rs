//! The a04-training grader: `gradwork grade a04-training ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a04_training_grader::suite())
}
