//! The runner process of a05-cnn-leakage, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a05_cnn_leakage_runner::RUNNER)
}
