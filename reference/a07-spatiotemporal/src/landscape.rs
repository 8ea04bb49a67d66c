//! Exercise 5d: a slice of the loss landscape around the trained weights,
//! along a random direction scaled filter by filter (Li et al., "Visualizing
//! the Loss Landscape of Neural Nets", 2018), so that the slice means the
//! same whatever the scale of each layer's weights.

use crate::model::NextFrameCnn;
#[allow(unused_imports)]
use tch::{Kind, Reduction, Tensor};

/// Exercise 5d: a random direction in weight space, one tensor per
/// parameter of `params` (same shapes, same order, same dtype).
///
/// After `tch::manual_seed(seed)`, draw each tensor from N(0, 1)
/// (`randn_like`, in order). Then, for a weight (any parameter of two or
/// more dimensions, a linear layer's too), rescale each filter (each slice
/// along the first dimension) to the norm of the same filter of the weight;
/// a bias (one dimension) gets a zero direction.
pub fn random_direction(params: &[Tensor], seed: i64) -> Vec<Tensor> {
    // BEGIN SOLUTION: randn_like per parameter; per-filter norms of the draw and of the weight; zeros for biases
    tch::manual_seed(seed);
    params
        .iter()
        .map(|p| {
            let d = p.randn_like();
            if p.dim() < 2 {
                return d.zeros_like();
            }
            let norms = |t: &Tensor| t.flatten(1, -1).norm_scalaropt_dim(2, [1i64].as_slice(), false);
            let scale = norms(p) / norms(&d);
            let shape: Vec<i64> = std::iter::once(-1).chain(std::iter::repeat_n(1, p.dim() - 1)).collect();
            d * scale.view(shape.as_slice())
        })
        .collect()
    // END SOLUTION
}

/// Exercise 5e: the loss along a line through the trained weights. For each
/// `alpha`, the mean squared error of `model` on `(inputs, targets)` with
/// every parameter θ replaced by θ + alpha·d (`direction` in the order of
/// [`NextFrameCnn::parameters`]). No gradients; the model's weights must be
/// exactly as they were when it returns.
pub fn loss_slice(model: &NextFrameCnn, inputs: &Tensor, targets: &Tensor, direction: &[Tensor], alphas: &[f64]) -> Vec<f64> {
    // BEGIN SOLUTION: keep copies of the weights; for each alpha set θ + alpha·d in place, evaluate; restore
    tch::no_grad(|| {
        let mut params = model.parameters();
        let saved: Vec<Tensor> = params.iter().map(|p| p.copy()).collect();
        let losses = alphas
            .iter()
            .map(|&alpha| {
                for ((p, s), d) in params.iter_mut().zip(&saved).zip(direction) {
                    p.copy_(&(s + d * alpha));
                }
                model.forward(inputs).mse_loss(targets, Reduction::Mean).double_value(&[])
            })
            .collect();
        for (p, s) in params.iter_mut().zip(&saved) {
            p.copy_(s);
        }
        losses
    })
    // END SOLUTION
}
