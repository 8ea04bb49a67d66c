//! Comparing a training curve with the reference's, epoch by epoch, with a
//! message that names the first epoch that differs.

use gradwork::compare::{num, CompareOptions, Tolerance};
use gradwork::suite::{Ctx, Failure};
use tch::Tensor;

/// Curves longer than this get no line diff (the first differing epoch says more).
const DIFF_MAX: usize = 12;

/// Compares `yours` with `reference` under the check's tolerance. On a
/// mismatch the message names the first epoch that differs and adds
/// `advice(epoch)`.
pub fn compare(ctx: &Ctx, what: &str, reference: &[f64], yours: &[f64], advice: impl Fn(usize) -> String) -> Result<(), Failure> {
    let tolerance = ctx.spec().tolerance().unwrap_or(Tolerance::for_dtype(gradwork::value::DType::F64));
    let options = CompareOptions { tolerance: Some(tolerance), diff_max_elements: DIFF_MAX, ..CompareOptions::default() };
    ctx.compare_with(what, &Tensor::from_slice(reference), &Tensor::from_slice(yours), &options).map_err(|f| match f {
        Failure::Wrong(m) => {
            let first = reference.iter().zip(yours).position(|(r, y)| !tolerance.accepts(*r, *y)).unwrap_or(0);
            Failure::wrong(format!(
                "{m}\n\nEpoch {first} (counting from 0) is the first that differs: expected {}, got {}. {}",
                num(reference[first]),
                num(yours[first]),
                advice(first)
            ))
        }
        other => other,
    })
}
