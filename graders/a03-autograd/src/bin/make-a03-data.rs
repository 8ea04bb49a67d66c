//! Writes the shipped data sets of a03-autograd from their seeds:
//!
//! ```sh
//! cargo run -p a03-autograd-grader --bin make-a03-data [-- OUT_DIR]
//! ```
//!
//! OUT_DIR defaults to `assignments/a03-autograd/data` of this course.

use a03_autograd_grader::data;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assignments/a03-autograd/data"));
    let (train, test) = data::tabular_csv(data::TABULAR_SEED, data::TABULAR_ROWS);
    let files = [
        ("regression.csv", data::regression_csv(data::REGRESSION_SEED, data::REGRESSION_ROWS)),
        ("tabular_train.csv", train),
        ("tabular_test.csv", test),
    ];
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("wrote {}", path.display());
    }
    ExitCode::SUCCESS
}
