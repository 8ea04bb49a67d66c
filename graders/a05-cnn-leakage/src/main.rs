//! The a05-cnn-leakage grader: `gradwork grade a05-cnn-leakage ...` runs this.

fn main() -> std::process::ExitCode {
    gradwork::grader::main(a05_cnn_leakage_grader::suite())
}
