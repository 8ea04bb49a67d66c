//! The runner process of a04-training, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a04_training_runner::RUNNER)
}
