//! Comparing tensors and scalars the way `torch.testing.assert_close` does,
//! with messages a student can act on.
//!
//! ```
//! use gradwork::compare::{compare_tensors, CompareOptions};
//! use tch::Tensor;
//!
//! let expected = Tensor::from_slice(&[1.0f64, 2.0, 3.0]);
//! let actual = Tensor::from_slice(&[1.0f64, 2.5, 3.0]);
//! let mismatch = compare_tensors(&expected, &actual, &CompareOptions::default()).unwrap_err();
//! let text = mismatch.to_string();
//! assert!(text.contains("Mismatched elements: 1 / 3 (33.3%)"));
//! assert!(text.contains("at index (1)"));
//! ```

use crate::value::{DType, TensorData, ValueError};
use serde::{Deserialize, Serialize};
use std::fmt::{self, Write as _};
use tch::Tensor;

/// Allowed difference: an element passes when `|actual - expected| <= atol + rtol * |expected|`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Tolerance {
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance.
    pub atol: f64,
}

impl Tolerance {
    /// Exact equality (integers, bools).
    pub const EXACT: Tolerance = Tolerance { rtol: 0.0, atol: 0.0 };

    /// The `torch.testing.assert_close` default for a dtype.
    pub fn for_dtype(dtype: DType) -> Tolerance {
        let (rtol, atol) = match dtype {
            DType::F64 => (1e-7, 1e-7),
            DType::F32 => (1.3e-6, 1e-5),
            DType::Bf16 => (1.6e-2, 1e-5),
            DType::F16 => (1e-3, 1e-5),
            _ => (0.0, 0.0),
        };
        Tolerance { rtol, atol }
    }

    /// Whether `actual` is close enough to `expected`. NaN matches nothing
    /// (not even NaN); infinities match only the same infinity.
    pub fn accepts(&self, expected: f64, actual: f64) -> bool {
        if expected.is_infinite() || actual.is_infinite() {
            return expected == actual;
        }
        (actual - expected).abs() <= self.atol + self.rtol * expected.abs()
    }
}

/// How to compare: tolerance (default: per dtype of the expected tensor) and what must match exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// Overrides the dtype's default tolerance.
    pub tolerance: Option<Tolerance>,
    /// Whether the dtypes must be equal (as in `assert_close`); when false, values are compared as f64.
    pub check_dtype: bool,
    /// Whether the devices must be equal. Off by default: the oracle may run on CUDA while
    /// the student's code runs on the CPU.
    pub check_device: bool,
    /// Tensors with at most this many elements get a line diff in the message.
    pub diff_max_elements: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions { tolerance: None, check_dtype: true, check_device: false, diff_max_elements: 64 }
    }
}

impl CompareOptions {
    /// Default options with this tolerance.
    pub fn with_tolerance(tolerance: Tolerance) -> Self {
        CompareOptions { tolerance: Some(tolerance), ..Self::default() }
    }
}

/// Why two tensors are not close. `Display` renders the Markdown message.
#[derive(Debug, Clone, PartialEq)]
pub enum Mismatch {
    /// Different shapes; nothing else is compared.
    Shape {
        /// expected shape
        expected: Vec<i64>,
        /// actual shape
        actual: Vec<i64>,
    },
    /// Different element types.
    DType {
        /// expected dtype
        expected: DType,
        /// actual dtype
        actual: DType,
    },
    /// Different devices.
    Device {
        /// expected device
        expected: String,
        /// actual device
        actual: String,
    },
    /// Same shape and type, different values.
    Values(Box<ValueMismatch>),
    /// A tensor could not be read at all.
    Unreadable(String),
}

/// The statistics of a value mismatch, in `assert_close`'s terms.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueMismatch {
    /// Number of elements outside the tolerance.
    pub mismatched: usize,
    /// Number of elements compared.
    pub total: usize,
    /// Greatest absolute difference and its index.
    pub max_abs: (f64, Vec<i64>),
    /// Greatest relative difference and its index.
    pub max_rel: (f64, Vec<i64>),
    /// Expected and actual value at the first mismatching element, with its index.
    pub first: (Vec<i64>, f64, f64),
    /// The tolerance used.
    pub tolerance: Tolerance,
    /// Unified diff of the rendered tensors, for small tensors.
    pub diff: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Shape { expected, actual } => write!(
                f,
                "The shape is wrong: expected {}, got {}.{}",
                shape_str(expected),
                shape_str(actual),
                shape_hint(expected, actual)
            ),
            Mismatch::DType { expected, actual } => write!(
                f,
                "The element type is wrong: expected {}, got {}. Convert with `.to_kind(Kind::{:?})`, \
                 or create the tensor with that kind.",
                dtype_str(*expected),
                dtype_str(*actual),
                expected.kind()
            ),
            Mismatch::Device { expected, actual } => {
                write!(f, "The device is wrong: expected `{expected}`, got `{actual}`.")
            }
            Mismatch::Unreadable(why) => write!(f, "The tensor could not be read: {why}."),
            Mismatch::Values(v) => v.fmt(f),
        }
    }
}

impl fmt::Display for ValueMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct = 100.0 * self.mismatched as f64 / self.total.max(1) as f64;
        let (first_idx, want, got) = &self.first;
        writeln!(f, "Tensor values are not close.")?;
        writeln!(f)?;
        writeln!(f, "- Mismatched elements: {} / {} ({:.1}%)", self.mismatched, self.total, pct)?;
        writeln!(f, "- First mismatch at index {}: expected {}, got {}", index_str(first_idx), num(*want), num(*got))?;
        writeln!(
            f,
            "- Greatest absolute difference: {} at index {} (up to {} allowed)",
            num(self.max_abs.0),
            index_str(&self.max_abs.1),
            num(self.tolerance.atol)
        )?;
        write!(
            f,
            "- Greatest relative difference: {} at index {} (up to {} allowed)",
            num(self.max_rel.0),
            index_str(&self.max_rel.1),
            num(self.tolerance.rtol)
        )?;
        if let Some(diff) = &self.diff {
            write!(f, "\n\n```diff\n{diff}```")?;
        }
        Ok(())
    }
}

/// Compares `actual` against `expected` like `torch.testing.assert_close`:
/// shape, then dtype (and device, if asked), then values.
pub fn compare_tensors(expected: &Tensor, actual: &Tensor, options: &CompareOptions) -> Result<(), Mismatch> {
    let unreadable = |e: ValueError| Mismatch::Unreadable(e.to_string());
    if options.check_device && expected.device() != actual.device() {
        return Err(Mismatch::Device {
            expected: format!("{:?}", expected.device()),
            actual: format!("{:?}", actual.device()),
        });
    }
    let expected = TensorData::from_tensor(expected).map_err(unreadable)?;
    let actual = TensorData::from_tensor(actual).map_err(unreadable)?;
    compare_data(&expected, &actual, options)
}

/// [`compare_tensors`] on tensors already copied into plain bytes.
pub fn compare_data(expected: &TensorData, actual: &TensorData, options: &CompareOptions) -> Result<(), Mismatch> {
    if expected.shape != actual.shape {
        return Err(Mismatch::Shape { expected: expected.shape.clone(), actual: actual.shape.clone() });
    }
    if options.check_dtype && expected.dtype != actual.dtype {
        return Err(Mismatch::DType { expected: expected.dtype, actual: actual.dtype });
    }
    let tolerance = options.tolerance.unwrap_or_else(|| Tolerance::for_dtype(expected.dtype));
    let want = as_f64(expected);
    let got = as_f64(actual);
    let mut stats: Option<ValueMismatch> = None;
    let (mut max_abs, mut max_rel) = ((f64::NEG_INFINITY, 0usize), (f64::NEG_INFINITY, 0usize));
    let mut mismatched = 0;
    let mut first = None;
    for (i, (&w, &g)) in want.iter().zip(&got).enumerate() {
        let abs = if w == g { 0.0 } else { (g - w).abs() };
        let abs = if abs.is_nan() { f64::INFINITY } else { abs };
        let rel = if abs == 0.0 { 0.0 } else { abs / w.abs() };
        if abs > max_abs.0 {
            max_abs = (abs, i);
        }
        if rel > max_rel.0 {
            max_rel = (rel, i);
        }
        if !tolerance.accepts(w, g) {
            mismatched += 1;
            first.get_or_insert((i, w, g));
        }
    }
    if let Some((i, w, g)) = first {
        let diff = (want.len() <= options.diff_max_elements).then(|| render_diff(expected, &want, &got));
        stats = Some(ValueMismatch {
            mismatched,
            total: want.len(),
            max_abs: (max_abs.0, unravel(max_abs.1, &expected.shape)),
            max_rel: (max_rel.0, unravel(max_rel.1, &expected.shape)),
            first: (unravel(i, &expected.shape), w, g),
            tolerance,
            diff,
        });
    }
    match stats {
        Some(s) => Err(Mismatch::Values(Box::new(s))),
        None => Ok(()),
    }
}

/// The largest error of `actual` against `expected` as a fraction of the
/// error allowed, `max |a − e| / (atol + rtol·|e|)`, over finite elements:
/// 0 when they are equal, above 1 when they are not close. `None` unless
/// both are floating-point tensors of one shape with a non-zero tolerance.
///
/// ```
/// use gradwork::compare::{tolerance_used, CompareOptions, Tolerance};
/// let e = tch::Tensor::from_slice(&[1.0f64, 2.0]);
/// let a = tch::Tensor::from_slice(&[1.0f64, 2.0 + 1e-8]);
/// let options = CompareOptions::with_tolerance(Tolerance { rtol: 0.0, atol: 1e-7 });
/// let used = tolerance_used(&e, &a, &options).unwrap();
/// assert!((used - 0.1).abs() < 1e-6);
/// ```
pub fn tolerance_used(expected: &Tensor, actual: &Tensor, options: &CompareOptions) -> Option<f64> {
    let expected = TensorData::from_tensor(expected).ok()?;
    let actual = TensorData::from_tensor(actual).ok()?;
    let float = |d: DType| matches!(d, DType::F16 | DType::Bf16 | DType::F32 | DType::F64);
    if expected.shape != actual.shape || !float(expected.dtype) || !float(actual.dtype) {
        return None;
    }
    let tolerance = options.tolerance.unwrap_or_else(|| Tolerance::for_dtype(expected.dtype));
    let mut worst: Option<f64> = None;
    for (w, g) in as_f64(&expected).into_iter().zip(as_f64(&actual)) {
        let allowed = tolerance.atol + tolerance.rtol * w.abs();
        if !(w.is_finite() && g.is_finite()) || allowed <= 0.0 {
            continue;
        }
        let used = (g - w).abs() / allowed;
        worst = Some(worst.map_or(used, |x: f64| x.max(used)));
    }
    worst
}

/// Compares two scalars with a tolerance; the message names `what`.
pub fn compare_scalar(what: &str, expected: f64, actual: f64, tolerance: Tolerance) -> Result<(), String> {
    if tolerance.accepts(expected, actual) {
        return Ok(());
    }
    Err(format!(
        "{what}: expected {}, got {} (difference {}, up to {} allowed)",
        num(expected),
        num(actual),
        num((actual - expected).abs()),
        num(tolerance.atol + tolerance.rtol * expected.abs())
    ))
}

/// The elements as f64 (exact for every integer up to 2^53, and for all floats).
pub fn as_f64(data: &TensorData) -> Vec<f64> {
    let b = &data.bytes;
    let n = data.dtype.size();
    let chunks = b.chunks_exact(n);
    match data.dtype {
        DType::Bool | DType::U8 => b.iter().map(|&x| x as f64).collect(),
        DType::I8 => b.iter().map(|&x| x as i8 as f64).collect(),
        DType::I16 => chunks.map(|c| i16::from_le_bytes([c[0], c[1]]) as f64).collect(),
        DType::I32 => chunks.map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::I64 => chunks.map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64).collect(),
        DType::F16 => chunks.map(|c| f16_to_f64(u16::from_le_bytes([c[0], c[1]]))).collect(),
        DType::Bf16 => chunks.map(|c| f32::from_bits((u16::from_le_bytes([c[0], c[1]]) as u32) << 16) as f64).collect(),
        DType::F32 => chunks.map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64).collect(),
        DType::F64 => chunks.map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect(),
    }
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = ((h >> 10) & 0x1f) as i32;
    let frac = (h & 0x3ff) as f64;
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

/// The multi-index of a flat row-major index.
pub fn unravel(mut flat: usize, shape: &[i64]) -> Vec<i64> {
    let mut index = vec![0; shape.len()];
    for (slot, &dim) in index.iter_mut().zip(shape).rev() {
        let dim = dim.max(1) as usize;
        *slot = (flat % dim) as i64;
        flat /= dim;
    }
    index
}

/// `(1, 2)`; `()` for a 0-d tensor.
pub fn index_str(index: &[i64]) -> String {
    let parts: Vec<String> = index.iter().map(|i| i.to_string()).collect();
    format!("({})", parts.join(", "))
}

/// `[3, 4]`
pub fn shape_str(shape: &[i64]) -> String {
    format!("{shape:?}")
}

fn dtype_str(d: DType) -> String {
    format!("{d:?}").to_lowercase()
}

fn shape_hint(expected: &[i64], actual: &[i64]) -> String {
    let mut e = expected.to_vec();
    let mut a = actual.to_vec();
    if e.len() == 2 && a.len() == 2 && e[0] == a[1] && e[1] == a[0] && e[0] != e[1] {
        return " It looks transposed: check which index is the row.".into();
    }
    e.retain(|&d| d != 1);
    a.retain(|&d| d != 1);
    if e == a {
        return " Only dimensions of size 1 differ: check `unsqueeze`/`squeeze`/`view`.".into();
    }
    if expected.iter().product::<i64>() == actual.iter().product::<i64>() {
        return " The element count is right: check `reshape`/`view`.".into();
    }
    String::new()
}

/// A number as a person reads it: integers without a fraction, others with 6 significant digits.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf".into() } else { "-inf".into() }
    } else if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x != 0.0 && (x.abs() < 1e-4 || x.abs() >= 1e6) {
        format!("{x:.3e}")
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn render_diff(expected: &TensorData, want: &[f64], got: &[f64]) -> String {
    let float = matches!(expected.dtype, DType::F16 | DType::Bf16 | DType::F32 | DType::F64);
    let short = |x: f64| if float { format!("{:.4}", x) } else { num(x) };
    let (mut e, mut a) = render_pair(&expected.shape, want, got, short);
    if e == a {
        // The mismatch hides below 4 decimals: show every digit.
        (e, a) = render_pair(&expected.shape, want, got, |x: f64| format!("{x:?}"));
    }
    let diff = similar::TextDiff::from_lines(&e, &a);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let _ = write!(out, "{sign}{}", change.value());
    }
    format!("--- expected\n+++ your output\n{out}")
}

/// Both tensors rendered with one column width, so only real differences show in a diff.
fn render_pair(shape: &[i64], want: &[f64], got: &[f64], fmt: impl Fn(f64) -> String) -> (String, String) {
    let cells = |v: &[f64]| v.iter().map(|&x| fmt(x)).collect::<Vec<String>>();
    let (w, g) = (cells(want), cells(got));
    let width = w.iter().chain(&g).map(|c| c.len()).max().unwrap_or(1);
    (render(shape, &w, width), render(shape, &g, width))
}

/// One line per innermost row, prefixed by its index, so a diff points at the row.
fn render(shape: &[i64], cells: &[String], width: usize) -> String {
    let row_len = shape.last().map(|&d| d.max(1) as usize).unwrap_or(1);
    let mut out = String::new();
    if shape.len() <= 1 {
        for (i, c) in cells.iter().enumerate() {
            let _ = writeln!(out, "[{i}] {c:>width$}");
        }
        return out;
    }
    for (r, row) in cells.chunks(row_len).enumerate() {
        let mut idx = unravel(r * row_len, shape);
        idx.pop();
        let lead: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
        let body: Vec<String> = row.iter().map(|c| format!("{c:>width$}")).collect();
        let _ = writeln!(out, "[{}, :] {}", lead.join(", "), body.join(", "));
    }
    out
}
