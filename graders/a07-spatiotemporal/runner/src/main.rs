//! The runner process of a07-spatiotemporal, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a07_spatiotemporal_runner::RUNNER)
}
