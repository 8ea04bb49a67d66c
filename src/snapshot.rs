//! Snapshot expectations for deterministic outputs (shapes, small tensors,
//! model summaries, printed reports): render the value as text with every
//! float rounded to the check's tolerance, then let [`insta`] compare it with
//! the approved snapshot. A value that moves by less than the tolerance
//! renders the same text, so a snapshot never flips on the last bit; one that
//! moves by more shows up in insta's `similar` diff, line by line.
//!
//! ```
//! use gradwork::compare::Tolerance;
//! use gradwork::snapshot::render_rounded;
//! use tch::Tensor;
//!
//! let t = Tensor::from_slice(&[3.14159265f64, -0.000000001, 2.0]).view([1, 3]);
//! let same = &t + 1e-12; // last-bit noise
//! let tol = Tolerance { rtol: 1e-3, atol: 1e-5 };
//! assert_eq!(render_rounded(&t, tol), render_rounded(&same, tol));
//! assert_eq!(render_rounded(&t, tol), "tensor [1, 3] f64\n[0, :] 3.142,     0, 2.000\n");
//! ```
//!
//! In a test, [`assert_rounded_snapshot!`](crate::assert_rounded_snapshot)
//! does both steps (the calling crate needs `insta` as a dev-dependency).
//!
//! [`insta`]: https://insta.rs

use crate::compare::{num, unravel, Tolerance};
use crate::value::{DType, TensorData};
use std::fmt::Write as _;
use tch::Tensor;

/// Renders a tensor as text with every float rounded to the tolerance, for a
/// snapshot: a header with shape and dtype, then one line per innermost row,
/// prefixed with its index (as in comparison diffs). Integers and bools are
/// exact (bools as `true`/`false`); NaN and infinities are spelled out; `-0`
/// renders as `0`.
///
/// Each float is rounded at the decimal place of its allowed error
/// `atol + rtol·|x|`, so large values keep `rtol`'s significant digits and
/// values near zero keep `atol`'s decimals. A tensor that cannot be read
/// renders as one line saying why, which fails the snapshot visibly.
///
/// ```
/// use gradwork::compare::Tolerance;
/// use gradwork::snapshot::render_rounded;
/// let t = tch::Tensor::from_slice(&[1i64, 2, 3]);
/// assert_eq!(render_rounded(&t, Tolerance::EXACT), "tensor [3] i64\n[0] 1\n[1] 2\n[2] 3\n");
/// let x = tch::Tensor::from(2.0f64).sqrt();
/// assert_eq!(render_rounded(&x, Tolerance { rtol: 0.0, atol: 1e-4 }), "tensor [] f64\n() 1.4142\n");
/// ```
pub fn render_rounded(t: &Tensor, tolerance: Tolerance) -> String {
    let data = match TensorData::from_tensor(t) {
        Ok(data) => data,
        Err(e) => return format!("unreadable tensor: {e}\n"),
    };
    let float = matches!(data.dtype, DType::F16 | DType::Bf16 | DType::F32 | DType::F64);
    let cells: Vec<String> = data
        .values_f64()
        .into_iter()
        .map(|x| match data.dtype {
            _ if float => round_to_tolerance(x, tolerance),
            DType::Bool => (x != 0.0).to_string(),
            _ => num(x),
        })
        .collect();
    let mut out = format!("tensor {:?} {}\n", data.shape, format!("{:?}", data.dtype).to_lowercase());
    if cells.is_empty() {
        out.push_str("(no elements)\n");
        return out;
    }
    let width = cells.iter().map(|c| c.chars().count()).max().unwrap_or(1);
    match data.shape.len() {
        0 => {
            let _ = writeln!(out, "() {}", cells[0]);
        }
        1 => {
            for (i, c) in cells.iter().enumerate() {
                let _ = writeln!(out, "[{i}] {c:>width$}");
            }
        }
        _ => {
            let row_len = data.shape.last().map(|&d| d.max(1) as usize).unwrap_or(1);
            for (r, row) in cells.chunks(row_len).enumerate() {
                let mut index = unravel(r * row_len, &data.shape);
                index.pop();
                let lead: Vec<String> = index.iter().map(|i| i.to_string()).collect();
                let body: Vec<String> = row.iter().map(|c| format!("{c:>width$}")).collect();
                let _ = writeln!(out, "[{}, :] {}", lead.join(", "), body.join(", "));
            }
        }
    }
    out
}

/// One float rounded at the decimal place of its allowed error
/// `atol + rtol·|x|`; with a zero tolerance, every digit (Rust's shortest
/// round-trip form).
///
/// ```
/// use gradwork::compare::Tolerance;
/// use gradwork::snapshot::round_to_tolerance;
/// let tol = Tolerance { rtol: 1e-3, atol: 1e-5 };
/// assert_eq!(round_to_tolerance(123456.7, tol), "123500");
/// assert_eq!(round_to_tolerance(0.0123456, tol), "0.01235");
/// assert_eq!(round_to_tolerance(-1e-9, tol), "0");
/// assert_eq!(round_to_tolerance(f64::NAN, tol), "NaN");
/// ```
pub fn round_to_tolerance(x: f64, tolerance: Tolerance) -> String {
    if !x.is_finite() {
        return num(x);
    }
    let allowed = tolerance.atol + tolerance.rtol * x.abs();
    if allowed.is_nan() || allowed <= 0.0 {
        return if x == 0.0 { "0".into() } else { format!("{x:?}") };
    }
    let place = allowed.log10().floor() as i32;
    if place >= 0 {
        let step = 10f64.powi(place);
        let rounded = (x / step).round() * step;
        return if rounded == 0.0 { "0".into() } else { format!("{rounded:.0}") };
    }
    let decimals = (-place) as usize;
    let text = format!("{x:.decimals$}");
    // "-0.000" is zero: one spelling for one value.
    if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
        "0".into()
    } else {
        text
    }
}

/// Rounds every decimal number with a fraction or an exponent in `text`
/// (`0.30000000000000004`, `1.5e-7`) to the tolerance, leaving integers and
/// words alone: for snapshots of printed reports and model summaries that
/// contain computed floats.
///
/// ```
/// use gradwork::compare::Tolerance;
/// use gradwork::snapshot::round_numbers;
/// let tol = Tolerance { rtol: 1e-3, atol: 1e-6 };
/// assert_eq!(
///     round_numbers("epoch 3: loss 0.30000000000000004, lr 1e-3, layer fc2", tol),
///     "epoch 3: loss 0.3000, lr 0.001000, layer fc2"
/// );
/// ```
pub fn round_numbers(text: &str, tolerance: Tolerance) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let starts_number = bytes[i].is_ascii_digit()
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b'.'));
        if !starts_number {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let end = number_end(bytes, i);
        let literal = &text[i..end];
        let is_float = literal.contains(['.', 'e', 'E']);
        let followed_by_word = bytes.get(end).is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_');
        match literal.parse::<f64>() {
            Ok(value) if is_float && !followed_by_word => {
                // A minus sign already copied belongs to the number.
                if out.ends_with('-') && (i < 2 || !bytes[i - 2].is_ascii_alphanumeric()) {
                    out.pop();
                    out.push_str(&round_to_tolerance(-value, tolerance));
                } else {
                    out.push_str(&round_to_tolerance(value, tolerance));
                }
            }
            _ => out.push_str(literal),
        }
        i = end;
    }
    out
}

/// End of the number literal starting at `start`: digits, one fraction, one exponent.
fn number_end(bytes: &[u8], start: usize) -> usize {
    let digits = |mut j: usize| {
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        j
    };
    let mut j = digits(start);
    if j + 1 < bytes.len() && bytes[j] == b'.' && bytes[j + 1].is_ascii_digit() {
        j = digits(j + 1);
    }
    if j < bytes.len() && (bytes[j] == b'e' || bytes[j] == b'E') {
        let mut k = j + 1;
        if k < bytes.len() && (bytes[k] == b'-' || bytes[k] == b'+') {
            k += 1;
        }
        if k < bytes.len() && bytes[k].is_ascii_digit() {
            j = digits(k);
        }
    }
    j
}

/// Asserts an [`insta`](https://insta.rs) snapshot of a tensor rendered by
/// [`render_rounded`]: `assert_rounded_snapshot!(tensor, tolerance)`, with an
/// optional snapshot name first, or an inline snapshot last
/// (`@"..."`). A failure prints insta's diff of the rendered text. The crate
/// calling it needs `insta` among its (dev-)dependencies.
///
/// ```
/// use gradwork::compare::Tolerance;
/// let t = tch::Tensor::from_slice(&[0.1f64 + 0.2, 1.0 / 3.0]);
/// gradwork::assert_rounded_snapshot!(t, Tolerance { rtol: 0.0, atol: 1e-3 }, @r"
/// tensor [2] f64
/// [0] 0.300
/// [1] 0.333
/// ");
/// ```
#[macro_export]
macro_rules! assert_rounded_snapshot {
    ($tensor:expr, $tolerance:expr, @$snapshot:literal) => {
        ::insta::assert_snapshot!($crate::snapshot::render_rounded(&$tensor, $tolerance), @$snapshot)
    };
    ($name:expr, $tensor:expr, $tolerance:expr) => {
        ::insta::assert_snapshot!($name, $crate::snapshot::render_rounded(&$tensor, $tolerance), stringify!($tensor))
    };
    ($tensor:expr, $tolerance:expr) => {
        ::insta::assert_snapshot!($crate::snapshot::render_rounded(&$tensor, $tolerance))
    };
}
