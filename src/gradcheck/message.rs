//! What a failing gradient check tells the student: the output, the input,
//! the element, the numerical and analytical values, the tolerance and the
//! seed; never the whole Jacobian. Also the checks on backward itself (zero
//! cotangent, two passes agreeing), whose messages live with their logic.

use super::evaluate::Evaluator;
use super::GradcheckOptions;
use crate::compare::{index_str, num, unravel};
use crate::suite::Failure;
use std::fmt::Write as _;

/// Two backward passes agree when `|g₁ − g₂| ≤ NONDETERMINISM_TOL·(1 + |g₁|)`:
/// a pure function of its arguments gives identical bits on the CPU, and this
/// leaves room only for reordered floating-point sums (parallel reductions).
pub const NONDETERMINISM_TOL: f64 = 1e-12;

/// One Jacobian entry d output[k][m] / d input[i][j], compared.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub output: usize,
    pub out_index: usize,
    pub input: usize,
    pub in_index: usize,
    pub numerical: f64,
    pub analytical: f64,
    pub allowed: f64,
    /// Entries of this entry's block outside the tolerance; `None` when the
    /// block was too large to check entry by entry (the entry was found by bisection).
    pub mismatched: Option<usize>,
    /// Entries in the block.
    pub total: usize,
}

/// A projection vᵀJu, of one block (output, input) or of the whole Jacobian (None, None).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Projection {
    pub output: Option<usize>,
    pub input: Option<usize>,
    pub numerical: f64,
    pub analytical: f64,
    pub allowed: f64,
    pub ratio: f64,
}

/// `` `W1` ``
pub(crate) fn name(s: &str) -> String {
    format!("`{s}`")
}

/// `` `W1`[3, 5] ``, or `` `loss` `` for a 0-d tensor.
pub(crate) fn element(tensor: &str, index: &[i64]) -> String {
    if index.is_empty() {
        name(tensor)
    } else {
        let inner = index_str(index);
        format!("`{tensor}`[{}]", &inner[1..inner.len() - 1])
    }
}

/// `d `y` / d `x``
fn block(ev: &Evaluator<'_>, output: usize, input: usize) -> String {
    format!("d {} / d {}", name(&ev.output_name(output)), name(&ev.input_name(input)))
}

fn settings(options: &GradcheckOptions) -> String {
    format!("eps {:e}, atol {:e}, rtol {:e}, seed {}", options.eps, options.atol, options.rtol, options.seed)
}

fn notes(ev: &Evaluator<'_>) -> String {
    ev.notes.iter().map(|n| format!("\n\n{n}")).collect()
}

/// A wrong Jacobian entry, found by a slow pass (`found_by` names the fast-mode
/// projection that led there).
pub(crate) fn element_failure(ev: &Evaluator<'_>, e: &Entry, options: &GradcheckOptions, found_by: Option<&Projection>) -> Failure {
    let out = element(&ev.output_name(e.output), &unravel(e.out_index, &ev.output_shapes[e.output]));
    let inp = element(&ev.input_name(e.input), &unravel(e.in_index, &ev.input_shapes[e.input]));
    let mut m = format!("The derivative of {out} with respect to {inp} is wrong:\n\n");
    let _ = writeln!(m, "- numerical (central differences): {}", num(e.numerical));
    let _ = writeln!(m, "- your backward: {}", num(e.analytical));
    let _ = writeln!(
        m,
        "- difference: {}, but at most {} is allowed (atol {:e} + rtol {:e} × |numerical|)",
        num((e.analytical - e.numerical).abs()),
        num(e.allowed),
        options.atol,
        options.rtol
    );
    let b = block(ev, e.output, e.input);
    match e.mismatched {
        _ if e.total <= 1 => {}
        Some(0 | 1) => {
            let _ = writeln!(m, "- it is the only one of the {} entries of {b} outside the tolerance", e.total);
        }
        Some(n) => {
            let _ = writeln!(m, "- {n} of the {} entries of {b} are outside the tolerance; this one is off the most", e.total);
        }
        None => {
            let _ = writeln!(
                m,
                "- {b} has {} entries, too many to check one by one: this one was found by bisecting a random \
                 projection, and others may be wrong too",
                e.total
            );
        }
    }
    if let Some(hint) = diagnose(e) {
        let _ = write!(m, "\n{hint}\n");
    }
    match found_by {
        None => {
            let _ = write!(m, "\nGradient check in slow mode ({}).", settings(options));
        }
        Some(p) => {
            let how = if e.mismatched.is_some() { "checking that block entry by entry" } else { "bisecting that projection" };
            let _ = write!(
                m,
                "\nGradient check in fast mode ({}): a random projection of {b} was off (numerical {}, your \
                 backward {}), and {how} found this element.",
                settings(options),
                num(p.numerical),
                num(p.analytical)
            );
        }
    }
    m.push_str(&notes(ev));
    Failure::wrong(m)
}

/// What the values suggest, when they suggest something.
fn diagnose(e: &Entry) -> Option<String> {
    let (n, a) = (e.numerical, e.analytical);
    if a == 0.0 && n != 0.0 {
        return Some("Your backward gives exactly 0 here: is a term missing, or is the gradient not passed on along this path?".into());
    }
    if n != 0.0 && n.is_finite() && a.is_finite() {
        let r = a / n;
        if (r + 1.0).abs() < 1e-2 {
            return Some("Your value has the opposite sign of the right one: check the sign of this term.".into());
        }
        if (r - 2.0).abs() < 1e-2 {
            return Some(
                "Your value is twice the right one: is this contribution counted twice, or added to a gradient \
                 that was never reset?"
                    .into(),
            );
        }
        if (r - 0.5).abs() < 1e-2 {
            return Some("Your value is half the right one: a factor 2 is missing (the derivative of x² is 2x).".into());
        }
    }
    if e.mismatched == Some(e.total) && e.total > 1 {
        return Some("Every entry of this block is off: the formula itself is likely wrong, or transposed.".into());
    }
    None
}

/// A fast-mode projection that failed although no single entry of its block did.
pub(crate) fn projection_failure(ev: &Evaluator<'_>, p: &Projection, options: &GradcheckOptions) -> Failure {
    let which = match (p.output, p.input) {
        (Some(k), Some(i)) => format!(" of {}", block(ev, k, i)),
        _ => String::new(),
    };
    let mut m = format!(
        "Your backward disagrees with finite differences along random directions{which}, although no single entry \
         is outside the tolerance: many small errors add up.\n\n"
    );
    let _ = writeln!(m, "- numerical vᵀJu (central differences along u): {}", num(p.numerical));
    let _ = writeln!(m, "- your backward, vᵀJ·u: {}", num(p.analytical));
    let _ = writeln!(m, "- difference: {}, but at most {} is allowed", num((p.analytical - p.numerical).abs()), num(p.allowed));
    let _ = write!(m, "\nGradient check in fast mode ({}).", settings(options));
    m.push_str(&notes(ev));
    Failure::wrong(m)
}

/// Two backward passes with the same inputs and cotangent must agree.
pub(crate) fn check_same(ev: &Evaluator<'_>, first: &[Vec<f64>], second: &[Vec<f64>], options: &GradcheckOptions) -> Result<(), Failure> {
    for (i, (g1, g2)) in first.iter().zip(second).enumerate() {
        let same = |a: f64, b: f64| (a.is_nan() && b.is_nan()) || (a - b).abs() <= NONDETERMINISM_TOL * (1.0 + a.abs());
        let differs = |a: f64, b: f64| !same(a, b);
        let count = g1.iter().zip(g2).filter(|(a, b)| differs(**a, **b)).count();
        let Some(j) = g1.iter().zip(g2).position(|(a, b)| differs(*a, *b)) else { continue };
        let at = element(&ev.input_name(i), &unravel(j, &ev.input_shapes[i]));
        let doubled = g1.iter().zip(g2).all(|(a, b)| (b - 2.0 * a).abs() <= 1e-9 * (1.0 + a.abs()));
        let why = if doubled {
            "The second result is twice the first: the gradient is added to a buffer that is never reset. Start \
             from zero (or a fresh tensor) on every call."
        } else {
            "Backward must depend only on its arguments: does it keep state between calls (a buffer that is \
             never reset), or use random numbers?"
        };
        return Err(Failure::wrong(format!(
            "Two backward passes with the same inputs and the same cotangent gave different gradients for {}: at \
             {at}, first {}, then {} ({count} of {} entries differ).\n\n{why}\n\nGradient check ({}).{}",
            name(&ev.input_name(i)),
            num(g1[j]),
            num(g2[j]),
            g1.len(),
            settings(options),
            notes(ev)
        )));
    }
    Ok(())
}

/// A zero cotangent must give zero gradients (backward is linear in it).
pub(crate) fn check_zero(ev: &Evaluator<'_>, grads: &[Vec<f64>], options: &GradcheckOptions) -> Result<(), Failure> {
    for (i, g) in grads.iter().enumerate() {
        let Some(j) = g.iter().position(|x| *x != 0.0) else { continue };
        let count = g.iter().filter(|x| **x != 0.0).count();
        let at = element(&ev.input_name(i), &unravel(j, &ev.input_shapes[i]));
        return Err(Failure::wrong(format!(
            "With a zero cotangent (upstream gradient), backward must return zero gradients, but the gradient for \
             {} is {} at {at} ({count} of {} entries are not 0).\n\nBackward is linear in the cotangent: multiply \
             every term by the incoming gradient, and add no term that does not depend on it.\n\nGradient check ({}).{}",
            name(&ev.input_name(i)),
            num(g[j]),
            g.len(),
            settings(options),
            notes(ev)
        )));
    }
    Ok(())
}
