//! Writes the data sets of a03-autograd from their seeds:
//!
//! ```sh
//! cargo run -p a03-autograd-grader --bin make-a03-data                 # the shipped files, exactly
//! cargo run -p a03-autograd-grader --bin make-a03-data -- --seed 7     # a fresh data set in data/seed-7/
//! cargo run -p a03-autograd-grader --bin make-a03-data -- --help
//! ```

use a03_autograd_grader::data;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes the data sets of assignment a03-autograd (regression.csv,
/// tabular_train.csv and tabular_test.csv) from a seeded generator that never
/// changes, so the same seed always gives the same bytes.
///
/// Without options it rewrites the shipped files in assignments/a03-autograd/data/
/// exactly as they are. With --seed N it writes a fresh data set of the same
/// sizes into assignments/a03-autograd/data/seed-N/ (or OUT_DIR), leaving the
/// shipped files alone.
#[derive(Parser)]
#[command(name = "make-a03-data")]
struct Args {
    /// Folder for the three CSV files [default: assignments/a03-autograd/data, or its seed-N subfolder with --seed N]
    out_dir: Option<PathBuf>,

    /// Seed of a fresh data set (both the regression and the tabular data); the shipped files use 4 and 6
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let shipped = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assignments/a03-autograd/data");
    let (regression_seed, tabular_seed, default_dir) = match args.seed {
        Some(seed) => (seed, seed, shipped.join(format!("seed-{seed}"))),
        None => (data::REGRESSION_SEED, data::TABULAR_SEED, shipped),
    };
    let dir = args.out_dir.unwrap_or(default_dir);
    let (train, test) = data::tabular_csv(tabular_seed, data::TABULAR_ROWS);
    let files = [
        ("regression.csv", data::regression_csv(regression_seed, data::REGRESSION_ROWS)),
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
