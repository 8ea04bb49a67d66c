//! The runner process of a01-tensors, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a01_tensors_runner::RUNNER)
}
