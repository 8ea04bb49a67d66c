//! Minimal path globs for rubric file lists: `*` matches within one path
//! component, `**` matches any number of components.
//!
//! ```
//! use gradwork::glob::matches;
//! assert!(matches("src/**/*.rs", "src/lib.rs"));
//! assert!(matches("src/**/*.rs", "src/net/mlp.rs"));
//! assert!(!matches("src/**/*.rs", "build.rs"));
//! ```

/// Whether `path` (relative, `/`-separated) matches `pattern`.
pub fn matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match_parts(&pat, &parts)
}

fn match_parts(pat: &[&str], parts: &[&str]) -> bool {
    match pat.split_first() {
        None => parts.is_empty(),
        Some((&"**", rest)) => (0..=parts.len()).any(|skip| match_parts(rest, &parts[skip..])),
        Some((first, rest)) => match parts.split_first() {
            Some((p, tail)) => match_component(first.as_bytes(), p.as_bytes()) && match_parts(rest, tail),
            None => false,
        },
    }
}

fn match_component(pat: &[u8], s: &[u8]) -> bool {
    match pat.split_first() {
        None => s.is_empty(),
        Some((b'*', rest)) => (0..=s.len()).any(|skip| match_component(rest, &s[skip..])),
        Some((b'?', rest)) => !s.is_empty() && match_component(rest, &s[1..]),
        Some((c, rest)) => s.first() == Some(c) && match_component(rest, &s[1..]),
    }
}
