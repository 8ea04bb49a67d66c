//! Running cargo for graders and submissions, with the same libtorch
//! settings every time so that the shared build cache stays warm.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Errors running cargo.
#[derive(Debug, thiserror::Error)]
pub enum CargoError {
    /// cargo could not be started.
    #[error("cannot run cargo ({0}): is Rust installed and `cargo` on PATH?")]
    Spawn(std::io::Error),
    /// The build failed.
    #[error("{summary}")]
    Failed {
        /// first error, rendered as rustc prints it
        summary: String,
        /// primary location of the first error: file (relative to the workspace) and line
        location: Option<(String, usize)>,
    },
    /// The build succeeded but produced no such binary.
    #[error("cargo built no binary named `{0}`")]
    NoBinary(String),
}

/// A `cargo` command that builds into `target_dir` with this gradwork's
/// libtorch: `LIBTORCH`, the rpath and the CUDA link flag are set explicitly,
/// so builds outside the course tree (temporary workspaces) get the same
/// settings as builds inside it.
pub fn command(target_dir: &Path) -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let lib = Path::new(crate::libtorch::LIB_DIR);
    if let Some(torch) = lib.parent() {
        cmd.env("LIBTORCH", torch);
    }
    cmd.env_remove("LIBTORCH_USE_PYTORCH")
        .env("GRADWORK_LINK_CUDA", if crate::libtorch::LINKS_CUDA { "1" } else { "0" })
        .env("CARGO_ENCODED_RUSTFLAGS", format!("-C\x1flink-arg=-Wl,-rpath,{}", lib.display()))
        .env_remove("RUSTFLAGS")
        .env("CARGO_TARGET_DIR", target_dir)
        .env("CARGO_TERM_COLOR", "never");
    cmd
}

/// Runs `cargo build` (already configured by the caller) with JSON messages and
/// returns the path of the binary `bin`; on failure, the first compiler error.
pub fn build_binary(mut cmd: Command, bin: &str) -> Result<PathBuf, CargoError> {
    cmd.arg("--message-format=json").stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(CargoError::Spawn)?;
    let stderr = child.stderr.take();
    let stderr_text = std::thread::spawn(move || {
        let mut text = String::new();
        if let Some(pipe) = stderr {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if text.len() < 64 * 1024 {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        }
        text
    });
    let mut executable = None;
    let mut first_error: Option<(String, Option<(String, usize)>)> = None;
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            match msg["reason"].as_str() {
                Some("compiler-artifact") if msg["target"]["name"] == bin => {
                    if let Some(exe) = msg["executable"].as_str() {
                        executable = Some(PathBuf::from(exe));
                    }
                }
                Some("compiler-message") if msg["message"]["level"] == "error" && first_error.is_none() => {
                    let rendered = msg["message"]["rendered"].as_str().unwrap_or("").trim_end().to_string();
                    let location = msg["message"]["spans"].as_array().and_then(|spans| {
                        spans.iter().find(|s| s["is_primary"] == true).and_then(|s| {
                            Some((s["file_name"].as_str()?.to_string(), s["line_start"].as_u64()? as usize))
                        })
                    });
                    first_error = Some((rendered, location));
                }
                _ => {}
            }
        }
    }
    let status = child.wait().map_err(CargoError::Spawn)?;
    let stderr_text = stderr_text.join().unwrap_or_default();
    if !status.success() {
        let (summary, location) = first_error.unwrap_or_else(|| {
            let tail: Vec<&str> = stderr_text.lines().filter(|l| !l.trim().is_empty()).collect();
            let start = tail.len().saturating_sub(15);
            (tail[start..].join("\n"), None)
        });
        return Err(CargoError::Failed { summary, location });
    }
    executable.ok_or_else(|| CargoError::NoBinary(bin.to_string()))
}
