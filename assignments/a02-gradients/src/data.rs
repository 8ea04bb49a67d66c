//! The toy data set (given): two Gaussian clusters in the plane.

use tch::{Kind, Tensor};

/// `n_per_class` points around (−1, −1) with label 0, then `n_per_class`
/// around (1, 1) with label 1; each cluster has covariance 0.3·I. Returns
/// x (2n, 2) f64 and y (2n,) i64. Uses libtorch's random generator (seed it
/// with `tch::manual_seed` for a reproducible data set).
pub fn two_clusters(n_per_class: i64) -> (Tensor, Tensor) {
    let opts = (Kind::Double, tch::Device::Cpu);
    let spread = 0.3f64.sqrt();
    let class0 = Tensor::randn([n_per_class, 2], opts) * spread - 1.0;
    let class1 = Tensor::randn([n_per_class, 2], opts) * spread + 1.0;
    let x = Tensor::cat(&[class0, class1], 0);
    let y = Tensor::cat(&[Tensor::zeros([n_per_class], (Kind::Int64, tch::Device::Cpu)), Tensor::ones([n_per_class], (Kind::Int64, tch::Device::Cpu))], 0);
    (x, y)
}
