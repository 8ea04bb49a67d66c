//! Writes the shipped Zarr store of a07-spatiotemporal from its seed:
//!
//! ```sh
//! cargo run -p a07-spatiotemporal-grader --bin make-a07-data [-- OUT_DIR]
//! ```
//!
//! OUT_DIR defaults to `assignments/a07-spatiotemporal/data` of this course;
//! the store goes to `OUT_DIR/slime.zarr`, replacing what was there.

use a07_spatiotemporal_grader::store;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assignments/a07-spatiotemporal/data"));
    let path = dir.join(store::SHIPPED_NAME);
    if path.exists() {
        if let Err(e) = std::fs::remove_dir_all(&path) {
            eprintln!("error: cannot remove the old store {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    match store::write(&path, &store::shipped_spec()) {
        Ok(()) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
