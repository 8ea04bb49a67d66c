//! The `gradwork` command: see `gradwork --help`.

fn main() -> std::process::ExitCode {
    gradwork::cli::main()
}
