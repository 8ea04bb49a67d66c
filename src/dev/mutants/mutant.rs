//! One mutant: a single edit of one reference source file, named the way
//! its tool names it.

use serde::{Deserialize, Serialize};

/// Where a mutant comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// cargo-mutants' generic operators (`cargo mutants --list --json`).
    CargoMutants,
    /// gradwork's own tensor-aware operators ([`super::operators`]).
    Gradwork,
}

impl Tool {
    /// The tool's name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::CargoMutants => "cargo-mutants",
            Tool::Gradwork => "gradwork",
        }
    }
}

/// A mutation of the reference: replace the bytes `start..end` of `file` by `replacement`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mutant {
    /// The exact name its tool gives it, e.g.
    /// `reference/a01-tensors/src/lib.rs:49:48: replace + with - in tridiagonal`;
    /// `mutants.toml` records equivalent mutants under this name.
    pub name: String,
    /// Which tool made it.
    pub tool: Tool,
    /// The operator: cargo-mutants' genre (`BinaryOperator`, `FnValue`, …) or a gradwork operator id.
    pub operator: String,
    /// The mutated file, relative to the reference crate (`src/lib.rs`).
    pub file: String,
    /// The function it is in (`tridiagonal`, `Mlp::forward`), when it is in one.
    pub function: Option<String>,
    /// First line of the replaced text (1-based).
    pub line: usize,
    /// Last line of the replaced text (1-based).
    pub last_line: usize,
    /// Byte offset in the file where the replaced text starts.
    pub start: usize,
    /// Byte offset where it ends (exclusive).
    pub end: usize,
    /// The text put in its place.
    pub replacement: String,
}

impl Mutant {
    /// The file's text with the mutation applied; `None` when the span does
    /// not fit `source` (the file changed since the mutant was listed).
    pub fn apply(&self, source: &str) -> Option<String> {
        if self.start > self.end || !source.is_char_boundary(self.start) || !source.is_char_boundary(self.end) || self.end > source.len() {
            return None;
        }
        let mut out = String::with_capacity(source.len() + self.replacement.len());
        out.push_str(&source[..self.start]);
        out.push_str(&self.replacement);
        out.push_str(&source[self.end..]);
        Some(out)
    }

    /// A unified diff of the mutation, labelled with the file and the mutant's name.
    pub fn diff(&self, source: &str, path: &str) -> String {
        let Some(mutated) = self.apply(source) else { return String::new() };
        similar::TextDiff::from_lines(source, &mutated)
            .unified_diff()
            .context_radius(3)
            .header(path, &format!("{path} (mutated)"))
            .to_string()
    }

    /// The text the mutation replaces.
    pub fn original<'s>(&self, source: &'s str) -> &'s str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// Byte offsets of line starts in a text, for turning line/column positions into offsets.
#[derive(Debug, Clone)]
pub struct LineIndex<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    /// The index of `text`.
    pub fn new(text: &'s str) -> LineIndex<'s> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The byte offset of 1-based `line` and 0-based `column` counted in
    /// chars (proc-macro2's convention); `None` when outside the text.
    pub fn offset(&self, line: usize, column: usize) -> Option<usize> {
        let start = *self.starts.get(line.checked_sub(1)?)?;
        let rest = &self.text[start..];
        if column == 0 {
            return Some(start);
        }
        // cargo-mutants counts a `\r` as part of the column before it; so does this.
        let mut chars = 0;
        for (i, c) in rest.char_indices() {
            if c == '\n' {
                break;
            }
            if c != '\r' {
                chars += 1;
            }
            if chars == column {
                return Some(start + i + c.len_utf8());
            }
        }
        (chars == column).then_some(start + rest.find('\n').unwrap_or(rest.len()))
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// The 1-based column (in chars) of a byte offset.
    pub fn column_of(&self, offset: usize) -> usize {
        let start = self.starts[self.line_of(offset) - 1];
        self.text.get(start..offset).map_or(1, |s| s.chars().filter(|&c| c != '\r').count() + 1)
    }

    /// The text of 1-based `line`, without its line break.
    pub fn line_text(&self, line: usize) -> &'s str {
        let Some(&start) = line.checked_sub(1).and_then(|i| self.starts.get(i)) else { return "" };
        let end = self.starts.get(line).map_or(self.text.len(), |&e| e - 1);
        self.text[start..end].trim_end_matches('\r')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_columns_in_chars() {
        let text = "ab\nπx = 1;\n";
        let index = LineIndex::new(text);
        assert_eq!(index.offset(1, 0), Some(0));
        assert_eq!(index.offset(2, 0), Some(3));
        assert_eq!(index.offset(2, 1), Some(3 + 'π'.len_utf8()));
        assert_eq!(&text[index.offset(2, 1).unwrap()..index.offset(2, 2).unwrap()], "x");
        assert_eq!(index.offset(9, 0), None);
        assert_eq!(index.line_of(4), 2);
        assert_eq!(index.column_of(3 + 'π'.len_utf8()), 2);
        assert_eq!(index.line_text(2), "πx = 1;");
    }

    #[test]
    fn apply_replaces_exactly_the_span() {
        let m = Mutant {
            name: "n".into(),
            tool: Tool::Gradwork,
            operator: "op".into(),
            file: "src/lib.rs".into(),
            function: None,
            line: 1,
            last_line: 1,
            start: 4,
            end: 5,
            replacement: "-".into(),
        };
        assert_eq!(m.apply("a = b + c").as_deref(), Some("a = - + c"));
        assert_eq!(m.original("a = b + c"), "b");
        assert_eq!(m.apply("abc"), None);
        assert!(m.diff("x = y\n", "src/lib.rs").contains("+x = -"));
    }
}
