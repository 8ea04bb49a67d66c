//! Reading cargo's `--message-format=json` stream: the binary it built, the
//! first compiler error, and the first messages in words (what the compiler
//! had said when a build is stopped), without trusting the stream's size.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Longest line read at once; a longer one is read (and dropped) in pieces.
const MAX_LINE: u64 = 1 << 20;
/// Most text kept of the compiler's messages in words.
const MAX_SAID: usize = 3000;

/// What a build's JSON stream said.
#[derive(Debug, Default)]
pub struct Messages {
    /// The executable of the binary asked for.
    pub executable: Option<PathBuf>,
    /// The first error, as rustc renders it, and its primary location (file, line).
    pub first_error: Option<(String, Option<(String, usize)>)>,
    /// The first messages (errors and warnings) as rustc renders them, at most [`MAX_SAID`] bytes.
    said: String,
    /// Messages left out of `said`.
    left_out: usize,
}

impl Messages {
    /// The first messages in words, saying how many more there were; empty when there were none.
    pub fn said(&self) -> String {
        match self.left_out {
            0 => self.said.trim_end().to_string(),
            n => format!("{}\n[… and {n} more compiler messages]", self.said.trim_end()),
        }
    }

    fn add(&mut self, line: &[u8], bin: &str) {
        let Ok(msg) = serde_json::from_slice::<serde_json::Value>(line) else { return };
        match msg["reason"].as_str() {
            Some("compiler-artifact") if msg["target"]["name"] == bin => {
                if let Some(exe) = msg["executable"].as_str() {
                    self.executable = Some(PathBuf::from(exe));
                }
            }
            Some("compiler-message") => {
                let rendered = msg["message"]["rendered"].as_str().unwrap_or("").trim_end();
                if self.said.len() + rendered.len() < MAX_SAID {
                    self.said.push_str(rendered);
                    self.said.push_str("\n\n");
                } else {
                    self.left_out += 1;
                }
                if msg["message"]["level"] == "error" && self.first_error.is_none() {
                    let location = msg["message"]["spans"].as_array().and_then(|spans| {
                        spans.iter().find(|s| s["is_primary"] == true).and_then(|s| {
                            Some((s["file_name"].as_str()?.to_string(), s["line_start"].as_u64()? as usize))
                        })
                    });
                    self.first_error = Some((rendered.to_string(), location));
                }
            }
            _ => {}
        }
    }
}

/// Reads cargo's stdout to its end, adding every byte to `seen`.
pub fn read(stdout: impl Read, bin: &str, seen: &Arc<AtomicU64>) -> Messages {
    let mut messages = Messages::default();
    let mut reader = BufReader::new(stdout);
    loop {
        let mut line = Vec::new();
        match (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(n) => {
                seen.fetch_add(n as u64, Ordering::Relaxed);
                messages.add(&line, bin);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    messages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(level: &str, text: &str, file: &str, line: usize) -> String {
        serde_json::json!({
            "reason": "compiler-message",
            "message": {
                "level": level,
                "rendered": format!("{level}: {text}\n --> {file}:{line}:1\n"),
                "spans": [{"is_primary": true, "file_name": file, "line_start": line}],
            }
        })
        .to_string()
    }

    #[test]
    fn the_first_error_and_the_first_messages_are_kept_and_the_rest_counted() {
        let mut stream = String::new();
        stream.push_str(&message("warning", "unused variable: `x`", "src/lib.rs", 3));
        stream.push('\n');
        stream.push_str(&message("error", "mismatched types", "src/lib.rs", 7));
        stream.push('\n');
        for i in 0..500 {
            stream.push_str(&message("warning", &format!("unused variable: `v{i}`"), "src/lib.rs", 10 + i));
            stream.push('\n');
        }
        stream.push_str("not json\n");
        stream.push_str(&serde_json::json!({"reason": "compiler-artifact", "target": {"name": "a01-runner"}, "executable": "/t/a01-runner"}).to_string());
        stream.push('\n');
        let seen = Arc::new(AtomicU64::new(0));
        let m = read(stream.as_bytes(), "a01-runner", &seen);
        assert_eq!(seen.load(Ordering::Relaxed), stream.len() as u64);
        assert_eq!(m.executable, Some(PathBuf::from("/t/a01-runner")));
        let (error, location) = m.first_error.clone().unwrap();
        assert!(error.starts_with("error: mismatched types"), "{error}");
        assert_eq!(location, Some(("src/lib.rs".to_string(), 7)));
        let said = m.said();
        assert!(said.starts_with("warning: unused variable: `x`"), "{said}");
        assert!(said.len() < MAX_SAID + 100, "{}", said.len());
        assert!(said.ends_with("more compiler messages]"), "{said}");
    }
}
