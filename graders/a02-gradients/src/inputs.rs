//! Random inputs from the check's seeded generator (never libtorch's global one).

use rand::Rng;
use tch::{Device, Kind, Tensor};

pub use gradwork::inputs::{normal_tensor, uniform_tensor};

/// Random class labels 0..classes, as an i64 tensor of shape (n,).
pub fn labels(rng: &mut impl Rng, n: i64, classes: i64) -> Tensor {
    let values: Vec<i64> = (0..n).map(|_| rng.random_range(0..classes)).collect();
    Tensor::from_slice(&values)
}

/// The notebook's toy data: `n_per_class` points around (−1, −1) labelled 0,
/// then as many around (1, 1) labelled 1, covariance 0.3·I.
pub fn two_clusters(rng: &mut impl Rng, n_per_class: i64) -> (Tensor, Tensor) {
    let spread = 0.3f64.sqrt();
    let class0 = normal_tensor(rng, &[n_per_class, 2], spread) - 1.0;
    let class1 = normal_tensor(rng, &[n_per_class, 2], spread) + 1.0;
    let x = Tensor::cat(&[class0, class1], 0);
    let y = Tensor::cat(
        &[Tensor::zeros([n_per_class], (Kind::Int64, Device::Cpu)), Tensor::ones([n_per_class], (Kind::Int64, Device::Cpu))],
        0,
    );
    (x, y)
}

/// Whether every entry of `t` is at least `margin` away from 0 (ReLU's kink).
pub fn away_from_zero(t: &Tensor, margin: f64) -> bool {
    t.abs().min().double_value(&[]) >= margin
}
