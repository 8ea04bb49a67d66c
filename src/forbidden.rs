//! Finding forbidden APIs in a student's source, with file and line.
//!
//! A name counts when it appears as a whole identifier outside comments and
//! string literals, so `// no backward() here` and `"cdist"` are allowed but
//! `x.cdist(&y)` and `use tch::Tensor as cdist` are not.
//!
//! ```
//! use gradwork::forbidden::find_identifier;
//! let src = "// cdist is forbidden\nlet d = x.cdist(&y, 2.0);\nlet s = \"cdist\";\n";
//! let hits = find_identifier(src, "cdist");
//! assert_eq!(hits, vec![2]);
//! ```

use crate::glob;
use crate::rubric::ForbiddenApi;
use std::path::Path;

/// One use of a forbidden API.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The API name.
    pub api: String,
    /// Why it is forbidden.
    pub reason: String,
    /// File relative to the submission root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The line's text, trimmed.
    pub text: String,
    /// Checks that score zero because of it (all when empty).
    pub checks: Vec<String>,
}

impl Violation {
    /// The Markdown sentence for a report.
    pub fn message(&self) -> String {
        format!(
            "Uses `{}` at `{}:{}` (`{}`), which this assignment forbids: {}",
            self.api, self.file, self.line, self.text, self.reason
        )
    }

    /// Whether it costs the check `id` its points.
    pub fn affects(&self, id: &str) -> bool {
        self.checks.is_empty() || self.checks.iter().any(|c| c == id)
    }
}

/// Scans the submission's `.rs` files (relative paths in `files`) for the rubric's forbidden APIs.
pub fn scan(root: &Path, files: &[String], forbidden: &[ForbiddenApi]) -> Vec<Violation> {
    let mut found = Vec::new();
    for rel in files.iter().filter(|f| f.ends_with(".rs")) {
        let Ok(text) = std::fs::read_to_string(root.join(rel)) else { continue };
        for api in forbidden {
            let in_scope = if api.files.is_empty() {
                rel.starts_with("src/")
            } else {
                api.files.iter().any(|g| glob::matches(g, rel))
            };
            if !in_scope {
                continue;
            }
            for line in find_identifier(&text, &api.api) {
                found.push(Violation {
                    api: api.api.clone(),
                    reason: api.reason.clone(),
                    file: rel.clone(),
                    line,
                    text: text.lines().nth(line - 1).unwrap_or("").trim().to_string(),
                    checks: api.checks.clone(),
                });
            }
        }
    }
    found
}

/// Lines (1-based) where `name` occurs as a whole identifier in code.
pub fn find_identifier(source: &str, name: &str) -> Vec<usize> {
    let code = strip_comments_and_strings(source);
    let mut lines = Vec::new();
    for (i, line) in code.lines().enumerate() {
        let bytes = line.as_bytes();
        let mut from = 0;
        while let Some(pos) = line[from..].find(name) {
            let start = from + pos;
            let end = start + name.len();
            let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
            let before_ok = start == 0 || !ident(bytes[start - 1]);
            let after_ok = end >= bytes.len() || !ident(bytes[end]);
            if before_ok && after_ok {
                lines.push(i + 1);
                break;
            }
            from = end;
        }
    }
    lines
}

/// The source with comments and string/char literal contents blanked out
/// (newlines kept, so line numbers stay right).
fn strip_comments_and_strings(src: &str) -> String {
    #[derive(PartialEq)]
    enum S {
        Code,
        Line,
        Block(usize),
        Str,
    }
    let mut out = String::with_capacity(src.len());
    let mut state = S::Code;
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match state {
            S::Code => {
                if c == '/' && next == Some('/') {
                    state = S::Line;
                    i += 1;
                } else if c == '/' && next == Some('*') {
                    state = S::Block(1);
                    i += 1;
                } else if c == '"' {
                    state = S::Str;
                    out.push(' ');
                } else {
                    out.push(c);
                }
            }
            S::Line => {
                if c == '\n' {
                    state = S::Code;
                    out.push('\n');
                }
            }
            S::Block(depth) => {
                if c == '*' && next == Some('/') {
                    state = if depth == 1 { S::Code } else { S::Block(depth - 1) };
                    i += 1;
                } else if c == '/' && next == Some('*') {
                    state = S::Block(depth + 1);
                    i += 1;
                } else if c == '\n' {
                    out.push('\n');
                }
            }
            S::Str => {
                if c == '\\' {
                    i += 1;
                } else if c == '"' {
                    state = S::Code;
                } else if c == '\n' {
                    out.push('\n');
                }
            }
        }
        i += 1;
    }
    out
}
