//! Assignment a01-tensors: tensors, broadcasting, indexing and distributions.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a01-tensors` to see which checks pass.

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Exercise 1: the 3×3 tensor [[0, 3, 6], [1, 4, 7], [2, 5, 8]] (i64), from its values.
pub fn matrix_3x3() -> Tensor {
    // TODO: build the tensor from its nine values, then give it its shape.
    todo!()
}

/// Exercise 2: the shape of any tensor, as a list of dimensions.
pub fn shape_of(t: &Tensor) -> Vec<i64> {
    // TODO: ask the tensor for its size.
    todo!()
}

/// Exercise 3: `arange(n)` repeated `times` times one after the other (i64).
pub fn repeat_arange(n: i64, times: i64) -> Tensor {
    // TODO: start from `Tensor::arange`, then repeat it.
    todo!()
}

/// Exercise 4: a (rows, cols) f32 tensor where every entry is `value`.
pub fn filled(rows: i64, cols: i64, value: f64) -> Tensor {
    // TODO: one call makes a tensor full of one value.
    todo!()
}

/// Exercise 5: a (rows, cols) i64 tensor whose every row is 0, 1, ..., cols-1.
pub fn rows_of_arange(rows: i64, cols: i64) -> Tensor {
    // TODO: one row of `arange`, copied down `rows` times (`expand` or `repeat`).
    todo!()
}

/// Exercise 6: the n×n f32 matrix with 1 on the diagonal and -2 just above and below it.
pub fn tridiagonal(n: i64) -> Tensor {
    // TODO: an identity matrix plus two off-diagonal bands (`Tensor::diag` takes an offset).
    todo!()
}

/// Exercise 7: 2π as a 0-dimensional f64 tensor.
pub fn two_pi() -> Tensor {
    // TODO: turn the f64 number 2π into a tensor.
    todo!()
}

/// Exercise 8: the (rows, cols) i64 tensor X[i, j] = 2i + j, by broadcasting.
pub fn index_grid(rows: i64, cols: i64) -> Tensor {
    // TODO: a column of i and a row of j broadcast against each other.
    todo!()
}

/// Exercise 9: D[i, j] = Euclidean distance between rows i and j of `x` (n×d), without loops.
pub fn pairwise_distances(x: &Tensor) -> Tensor {
    // TODO: insert a dimension so that every row meets every other row, then reduce.
    todo!()
}

/// Exercise 10: the rows `rows` and columns `cols` of `a` (2-D), in the order of the lists.
/// Both lists are non-empty and hold valid indices (0 ≤ i < size); they may repeat an index.
pub fn submatrix(a: &Tensor, rows: &[i64], cols: &[i64]) -> Tensor {
    // TODO: select the rows first, then the columns.
    todo!()
}

/// Exercise 11: true where an entry of `a` (an i64 tensor of any shape) is divisible by 5 or by 7.
pub fn divisible_mask(a: &Tensor) -> Tensor {
    // TODO: compare remainders with 0 and combine the two masks.
    todo!()
}

/// Exercise 12: how many entries of a bool mask (any shape) are true.
pub fn count_true(mask: &Tensor) -> i64 {
    // TODO: sum the mask and read the number out of the tensor.
    todo!()
}

/// Exercise 13: add 10 to the entries of `a` (i64, any shape) where `mask` (bool, the same shape) is true, in place.
pub fn add_ten_where(a: &mut Tensor, mask: &Tensor) {
    // TODO: change `a` itself: an in-place, masked operation.
    todo!()
}

/// Exercise 14: `n` samples of Poisson(rate), as an f32 tensor of shape (n,).
pub fn poisson_samples(rate: f64, n: i64) -> Tensor {
    // TODO: libtorch can draw Poisson samples from a tensor of rates.
    todo!()
}

/// Exercise 15: P[i, j] = exp(-λᵢ) λᵢ^kⱼ / kⱼ! for the f32 vectors `lambdas` (λᵢ) and `ks` (kⱼ), as an
/// f32 matrix; kⱼ! = exp(lgamma(kⱼ + 1)). The values in `ks` count, not their positions.
pub fn poisson_pmf_matrix(lambdas: &Tensor, ks: &Tensor) -> Tensor {
    // TODO: broadcast a column of rates against a row of counts; in log space nothing overflows.
    todo!()
}

/// Exercise 16: log-density of Gamma(concentration, rate) at each entry of `x` (f64, any shape, every entry > 0).
pub fn gamma_log_prob(concentration: f64, rate: f64, x: &Tensor) -> Tensor {
    // TODO: write out the log of the Gamma density: a·ln(b) + (a−1)·ln(x) − b·x − lnΓ(a).
    todo!()
}

/// Exercise 17: `n` samples of the 50/50 mixture of Poisson(rate_a) and Poisson(rate_b), f32.
pub fn poisson_mixture(n: i64, rate_a: f64, rate_b: f64) -> Tensor {
    // TODO: first draw which component each sample comes from, then its rate, then the sample.
    todo!()
}

/// Exercise 18: a (rows, cols) f32 batch of independent standard normal samples.
pub fn standard_normal(rows: i64, cols: i64) -> Tensor {
    // TODO: one call draws standard normal samples of a given shape.
    todo!()
}

/// Exercise 19: one normal sample per entry of `mu` (f32, any shape), with that mean and variance 1;
/// the result is f32 and has the shape of `mu`.
pub fn normal_around(mu: &Tensor) -> Tensor {
    // TODO: a standard normal sample of the same shape, shifted by the mean.
    todo!()
}
