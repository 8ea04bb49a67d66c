//! Part D: your own gradient checker. It compares an analytic gradient with
//! central finite differences, element by element, and reports the largest
//! and the mean relative error.
//!
//! No autograd in this file either.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

use crate::mlp::Mlp;

/// What a gradient check found, over every element of every parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientCheck {
    /// the largest relative error
    pub max_rel_error: f64,
    /// the mean relative error
    pub mean_rel_error: f64,
}

impl GradientCheck {
    /// Whether the analytic gradient agrees with the numerical one: every
    /// relative error is at most `tolerance` (1e-6 is a good choice in f64).
    pub fn passes(&self, tolerance: f64) -> bool {
        self.max_rel_error <= tolerance
    }
}

/// Exercise 12a: the relative error between an analytic and a numerical
/// derivative, |a − n| / max(1e-8, |a| + |n|).
pub fn relative_error(analytic: f64, numeric: f64) -> f64 {
    (analytic - numeric).abs() / (analytic.abs() + numeric.abs()).max(1e-8) // SOLUTION: the formula above
}

/// Exercise 12b: checks `analytic` (one gradient tensor per parameter, shaped
/// like it) against central finite differences of `f` at `params`: for every
/// element of every parameter, nudge that element alone by ±eps, evaluate
/// `f`, and compare (f(+) − f(−)) / (2·eps) with the analytic value using
/// [`relative_error`]. Returns the largest and the mean of those errors.
///
/// Nudge copies, never the caller's tensors: `Vec::<f64>::try_from` wants a
/// 1-D tensor, so flatten a parameter first (`p.flatten(0, -1)`), change one
/// entry, and rebuild it with `Tensor::from_slice(...).view(shape)`. If any
/// error is NaN (a loss that returned NaN), the max and the mean are NaN, so
/// the check does not pass; with no parameters at all, both are 0.
pub fn gradient_check(f: &mut dyn FnMut(&[Tensor]) -> f64, params: &[Tensor], analytic: &[Tensor], eps: f64) -> GradientCheck {
    // BEGIN SOLUTION: loop over parameters and their elements; rebuild the parameter list with one element nudged
    let mut errors = Vec::new();
    for (k, param) in params.iter().enumerate() {
        let shape = param.size();
        let values = Vec::<f64>::try_from(param.flatten(0, -1)).unwrap_or_default();
        let wanted = Vec::<f64>::try_from(analytic[k].flatten(0, -1)).unwrap_or_default();
        for i in 0..values.len() {
            let mut eval_at = |delta: f64| {
                let mut nudged = values.clone();
                nudged[i] += delta;
                let mut list: Vec<Tensor> = params.iter().map(|p| p.shallow_clone()).collect();
                list[k] = Tensor::from_slice(&nudged).view(shape.as_slice());
                f(&list)
            };
            let numeric = (eval_at(eps) - eval_at(-eps)) / (2.0 * eps);
            errors.push(relative_error(wanted[i], numeric));
        }
    }
    // Not a plain fold with f64::max, which drops NaN: a NaN anywhere must show.
    let max_rel_error = errors.iter().copied().fold(0.0, |m: f64, e| if m.is_nan() || e.is_nan() { f64::NAN } else { m.max(e) });
    let mean_rel_error = if errors.is_empty() { 0.0 } else { errors.iter().sum::<f64>() / errors.len() as f64 };
    GradientCheck { max_rel_error, mean_rel_error }
    // END SOLUTION
}

/// The notebook's check of the network (given): your [`gradient_check`] on
/// your `Mlp::loss` and `Mlp::backward_pass`, on a batch (x, y).
pub fn check_mlp(model: &Mlp, x: &Tensor, y: &Tensor, eps: f64) -> GradientCheck {
    let (_, probs, cache) = model.loss(x, y);
    let d = model.backward_pass(&probs, &cache, y);
    let params = [model.w1.shallow_clone(), model.b1.shallow_clone(), model.w2.shallow_clone(), model.b2.shallow_clone()];
    let analytic = [d.d_w1, d.d_b1, d.d_w2, d.d_b2];
    let mut f = |p: &[Tensor]| {
        let m = Mlp {
            w1: p[0].shallow_clone(),
            b1: p[1].shallow_clone(),
            w2: p[2].shallow_clone(),
            b2: p[3].shallow_clone(),
            activation: model.activation,
        };
        m.loss(x, y).0
    };
    gradient_check(&mut f, &params, &analytic, eps)
}
