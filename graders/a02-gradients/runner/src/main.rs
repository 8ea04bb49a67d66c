//! The runner process of a02-gradients, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a02_gradients_runner::RUNNER)
}
