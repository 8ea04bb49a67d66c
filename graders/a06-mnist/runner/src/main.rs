//! The runner process of a06-mnist, started by the grader for each submission.

fn main() -> std::process::ExitCode {
    gradwork::submission::serve(a06_mnist_runner::RUNNER)
}
