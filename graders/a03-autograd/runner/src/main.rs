//! The runner process of a03-autograd, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a03_autograd_runner::RUNNER)
}
