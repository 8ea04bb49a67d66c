//! Exercises 12–13: polar features, and the decision-boundary grid with
//! softmax confidence.

#[allow(unused_imports)]
use tch::{nn, Device, Kind, Tensor};

/// Exercise 12: the points of `x` (n × 2, rows `(x₁, x₂)`) in polar
/// coordinates: rows `(r, θ)` with `r = √(x₁² + x₂²)` and `θ = atan2(x₂, x₁)`
/// as libtorch's `atan2` computes it, in [-π, π]: π on the negative x₁ axis
/// (−π only where x₂ is −0.0) and θ = 0 at the origin. Same dtype as `x`.
pub fn to_polar(x: &Tensor) -> Tensor {
    // BEGIN SOLUTION: take the two columns apart; `atan2` keeps the quadrant
    let (x1, x2) = (x.select(1, 0), x.select(1, 1));
    let r = (x1.square() + x2.square()).sqrt();
    let theta = x2.atan2(&x1);
    Tensor::stack(&[r, theta], 1)
    // END SOLUTION
}

/// What the classifier says at every point of a grid.
#[derive(Debug)]
pub struct DecisionGrid {
    /// `(steps², 2)` f32: the grid points, `x` varying fastest.
    pub points: Tensor,
    /// `(steps²,)` i64: the predicted class at each point.
    pub predicted: Tensor,
    /// `(steps²,)` f32: the softmax probability of the predicted class.
    pub confidence: Tensor,
}

/// Exercise 13: evaluates `model` (in evaluation mode, without gradients) on
/// a `steps × steps` grid over `[x_min, x_max] × [y_min, y_max]`
/// (`bounds = [x_min, x_max, y_min, y_max]`). With `xs = linspace(x_min,
/// x_max, steps)` and `ys = linspace(y_min, y_max, steps)`, point `k` is
/// `(xs[k % steps], ys[k / steps])`, like NumPy's `meshgrid` (indexing "xy")
/// flattened row by row.
pub fn decision_grid(model: &impl nn::ModuleT, bounds: [f64; 4], steps: i64) -> DecisionGrid {
    // BEGIN SOLUTION: build the points with linspace + meshgrid; softmax over classes; its max and argmax
    let opts = (Kind::Float, Device::Cpu);
    let xs = Tensor::linspace(bounds[0], bounds[1], steps, opts);
    let ys = Tensor::linspace(bounds[2], bounds[3], steps, opts);
    let mesh = Tensor::meshgrid_indexing(&[&xs, &ys], "xy");
    let points = Tensor::stack(&[mesh[0].flatten(0, -1), mesh[1].flatten(0, -1)], 1);
    let probabilities = tch::no_grad(|| model.forward_t(&points, false).softmax(1, Kind::Float));
    let (confidence, predicted) = probabilities.max_dim(1, false);
    DecisionGrid { points, predicted, confidence }
    // END SOLUTION
}
