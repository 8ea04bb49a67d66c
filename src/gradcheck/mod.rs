//! Gradient checks, like `torch.autograd.gradcheck` but with messages a
//! student can act on: which output, which input, which element, the
//! numerical and the analytical value, the tolerance and the seed.
//!
//! A target is anything [`Differentiable`]: a forward function and its
//! vector-Jacobian product (what backward computes). Three adapters cover the
//! course: [`HandWritten`] (a student's forward and backward functions, or
//! calls into the runner that reach them), [`Autograd`] (a tch closure or
//! module written with its parameters as inputs; backward by libtorch's
//! autograd) and, for a student's own autograd engine, a small struct of the
//! grader's that implements the trait with `ctx.call`.
//!
//! Conventions (DESIGN.md §5): float64 throughout (float32 inputs are promoted
//! and the message says so), central differences with eps 1e-6, an entry
//! passes when `|a − n| ≤ atol + rtol·|n|` (atol 1e-5, rtol 1e-3).
//!
//! - [`Mode::Slow`] builds the whole numerical Jacobian, two evaluations per
//!   input element, and compares it entry by entry with one backward pass per
//!   output element.
//! - [`Mode::Fast`] compares `vᵀJu` for random Gaussian unit directions `u`
//!   (over all inputs) and `v` (over all outputs): two evaluations and one
//!   backward pass per probe (none for a scalar output such as a loss, whose
//!   `v` is ±1), `probes` times, so errors of opposite sign cannot cancel in
//!   every probe. The allowed difference is
//!   `atol·‖u‖₁·‖v‖₁ + rtol·|vᵀJu|`, what entry-wise tolerances add up to. A
//!   failing probe is traced to its output/input block, and that block is
//!   checked in slow mode to name the element, or, when that would take more
//!   than 2 000 calls, bisected: the half of `u`'s support with the larger
//!   error is kept until one element remains (about 2·log₂ n calls).
//!
//! Before the numbers, every run checks what makes them meaningful: forward
//! returns float64 and finite values and leaves its inputs alone; backward
//! returns one gradient per input with the input's shape; a zero cotangent
//! gives zero gradients; two backward passes agree.
//!
//! ```
//! use gradwork::gradcheck::{gradcheck, random_input, GradcheckOptions, HandWritten};
//! use gradwork::suite::Failure;
//! use rand::SeedableRng;
//! use tch::Tensor;
//!
//! // f(x) = sum(x³), with a hand-written backward 3x²·g.
//! let mut cube = HandWritten {
//!     forward: |x: &[Tensor]| -> Result<Vec<Tensor>, Failure> { Ok(vec![x[0].pow_tensor_scalar(3).sum(None)]) },
//!     backward: |x: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
//!         Ok(vec![x[0].pow_tensor_scalar(2) * 3.0 * &g[0]])
//!     },
//! };
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1);
//! let x = random_input(&mut rng, &[3, 4], 1e-3);
//! let report = gradcheck(&mut cube, &[x.shallow_clone()], &GradcheckOptions::default()).unwrap();
//! assert!(report.max_error_ratio < 1.0);
//!
//! // A backward that forgot the factor 3 is caught, and the element is named.
//! let mut wrong = HandWritten {
//!     forward: |x: &[Tensor]| -> Result<Vec<Tensor>, Failure> { Ok(vec![x[0].pow_tensor_scalar(3).sum(None)]) },
//!     backward: |x: &[Tensor], g: &[Tensor]| -> Result<Vec<Tensor>, Failure> {
//!         Ok(vec![x[0].pow_tensor_scalar(2) * &g[0]])
//!     },
//! };
//! let Err(Failure::Wrong(message)) = gradcheck(&mut wrong, &[x], &GradcheckOptions::default()) else { panic!() };
//! assert!(message.contains("The derivative of `output 0` with respect to `input 0`["));
//! ```

mod adapters;
mod evaluate;
mod gaussian;
mod jacobian;
mod message;

pub use adapters::{Autograd, HandWritten, Named};
pub use message::NONDETERMINISM_TOL;

use crate::suite::Failure;
use evaluate::Evaluator;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tch::Tensor;

/// How the numerical derivatives are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The whole Jacobian, entry by entry: two evaluations per input element
    /// and one backward pass per output element.
    Slow,
    /// Random projections `vᵀJu`: two evaluations and one backward pass per
    /// probe; a failure is pinned to its element by a slow pass over the
    /// failing block.
    Fast,
}

/// Options of [`gradcheck`]; the defaults follow `torch.autograd.gradcheck`.
#[derive(Debug, Clone, PartialEq)]
pub struct GradcheckOptions {
    /// Step of the central differences (1e-6).
    pub eps: f64,
    /// Absolute tolerance (1e-5).
    pub atol: f64,
    /// Relative tolerance, relative to the numerical value (1e-3).
    pub rtol: f64,
    /// Slow or fast (fast).
    pub mode: Mode,
    /// Random projections in fast mode (3).
    pub probes: usize,
    /// Seed of the random cotangents and directions (printed in every message).
    pub seed: u64,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions { eps: 1e-6, atol: 1e-5, rtol: 1e-3, mode: Mode::Fast, probes: 3, seed: 0 }
    }
}

/// What a passing gradient check measured.
#[derive(Debug, Clone, PartialEq)]
pub struct GradcheckReport {
    /// Calls of forward and backward (vjp) together.
    pub evaluations: usize,
    /// The largest `|analytical − numerical| / allowed` over every comparison (below 1 when passing).
    pub max_error_ratio: f64,
    /// Remarks, e.g. that a float32 input was promoted to float64.
    pub notes: Vec<String>,
}

/// A function of several input tensors to several output tensors, with its
/// analytic vector-Jacobian product (what backward computes).
pub trait Differentiable {
    /// Outputs for these inputs (inputs are f64).
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure>;
    /// Gradient of `sum_k <cotangents[k], outputs[k]>` with respect to each
    /// input (one tensor per input).
    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure>;
    /// Name of input `i` in messages, e.g. `W1`; default `input 0`.
    fn input_name(&self, i: usize) -> String {
        format!("input {i}")
    }
    /// Name of output `i` in messages, e.g. `loss`; default `output 0`.
    fn output_name(&self, i: usize) -> String {
        format!("output {i}")
    }
}

/// Runs the full gradient check of `target` at `inputs`: finite differences
/// against its vjp in slow or fast mode (a fast-mode failure is re-run in slow
/// mode on the failing output/input block to name the element), plus: zero
/// cotangent → zero gradients, two backward passes agree, each gradient has
/// its input's shape (a large failing block is bisected instead of re-run in
/// slow mode). `Ok` on success; on failure a [`Failure::Wrong`] whose
/// Markdown names the output, the input, the element's multi-index, the
/// numerical and analytical values, the allowed tolerance and the seed.
/// Failures of the target's own calls ([`Failure::Call`]) pass through
/// unchanged; inputs that cannot be checked (integers) are a
/// [`Failure::Grader`].
///
/// The target receives gradcheck's own contiguous float64 copies of the
/// inputs (on their device), never the caller's tensors.
///
/// ```
/// use gradwork::gradcheck::{gradcheck, Autograd, GradcheckOptions, Mode};
/// use tch::Tensor;
/// // Softplus through libtorch's autograd, in slow mode.
/// let mut softplus = Autograd { f: |x: &[Tensor]| vec![x[0].softplus()] };
/// let x = Tensor::from_slice(&[-1.0f64, 0.5, 2.0]);
/// let options = GradcheckOptions { mode: Mode::Slow, ..GradcheckOptions::default() };
/// let report = gradcheck(&mut softplus, &[x], &options).unwrap();
/// assert_eq!(report.evaluations, 1 + 3 + 2 * 3 + 3); // forward, 3 vjp checks, 6 evaluations, 3 rows
/// ```
pub fn gradcheck(target: &mut dyn Differentiable, inputs: &[Tensor], options: &GradcheckOptions) -> Result<GradcheckReport, Failure> {
    validate(options)?;
    let mut ev = Evaluator::new(target, inputs)?;
    ev.forward_base()?;
    ev.check_inputs_unchanged("forward")?;
    let mut rng = StdRng::seed_from_u64(options.seed);
    let v = jacobian::unit_gaussian(&mut rng, &ev.output_numels());
    let first = ev.vjp(&v)?;
    ev.check_inputs_unchanged("backward")?;
    let second = ev.vjp(&v)?;
    message::check_same(&ev, &first, &second, options)?;
    let zero: Vec<Vec<f64>> = ev.output_numels().iter().map(|&m| vec![0.0; m]).collect();
    let from_zero = ev.vjp(&zero)?;
    message::check_zero(&ev, &from_zero, options)?;
    let max_error_ratio = match options.mode {
        Mode::Slow => jacobian::slow_all(&mut ev, options)?,
        Mode::Fast => jacobian::fast(&mut ev, options, &mut rng, (v, first))?,
    };
    Ok(GradcheckReport { evaluations: ev.evaluations, max_error_ratio, notes: ev.notes.clone() })
}

fn validate(options: &GradcheckOptions) -> Result<(), Failure> {
    let bad = |what: &str| Err(Failure::Grader(format!("gradcheck options: {what}")));
    if !(options.eps > 0.0 && options.eps.is_finite()) {
        return bad(&format!("eps must be a positive number, not {}", options.eps));
    }
    if !(options.atol >= 0.0 && options.rtol >= 0.0) {
        return bad("atol and rtol must be non-negative");
    }
    if options.mode == Mode::Fast && options.probes == 0 {
        return bad("fast mode needs at least one probe");
    }
    Ok(())
}

/// Draws a random float64 input of `shape` from `rng`, every element with
/// `|x| ≥ margin` (away from ReLU's kink at 0): magnitudes uniform on
/// `[margin, margin + 2)`, signs equally likely. Panics on a negative
/// dimension (a bug in the check).
///
/// ```
/// use gradwork::gradcheck::random_input;
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(0);
/// let x = random_input(&mut rng, &[4, 5], 0.1);
/// assert_eq!(x.size(), [4, 5]);
/// assert_eq!(x.kind(), tch::Kind::Double);
/// assert!(x.abs().min().double_value(&[]) >= 0.1);
/// ```
pub fn random_input(rng: &mut impl rand::Rng, shape: &[i64], margin: f64) -> Tensor {
    let numel = shape.iter().product::<i64>().max(0) as usize;
    let values: Vec<f64> = (0..numel)
        .map(|_| {
            let magnitude = margin + 2.0 * rng.random::<f64>();
            if rng.random_bool(0.5) {
                magnitude
            } else {
                -magnitude
            }
        })
        .collect();
    Tensor::from_slice(&values).view(shape)
}
