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
    // BEGIN SOLUTION: build the tensor from its nine values, then give it its shape.
    Tensor::from_slice(&[0i64, 3, 6, 1, 4, 7, 2, 5, 8]).view([3, 3])
    // END SOLUTION
}

/// Exercise 2: the shape of any tensor, as a list of dimensions.
pub fn shape_of(t: &Tensor) -> Vec<i64> {
    t.size() // SOLUTION: ask the tensor for its size.
}

/// Exercise 3: `arange(n)` repeated `times` times one after the other (i64).
pub fn repeat_arange(n: i64, times: i64) -> Tensor {
    // BEGIN SOLUTION: start from `Tensor::arange`, then repeat it.
    Tensor::arange(n, (Kind::Int64, Device::Cpu)).repeat([times])
    // END SOLUTION
}

/// Exercise 4: a (rows, cols) f32 tensor where every entry is `value`.
pub fn filled(rows: i64, cols: i64, value: f64) -> Tensor {
    // BEGIN SOLUTION: one call makes a tensor full of one value.
    Tensor::full([rows, cols], value, (Kind::Float, Device::Cpu))
    // END SOLUTION
}

/// Exercise 5: a (rows, cols) i64 tensor whose every row is 0, 1, ..., cols-1.
pub fn rows_of_arange(rows: i64, cols: i64) -> Tensor {
    // BEGIN SOLUTION: one row of `arange`, copied down `rows` times (`expand` or `repeat`).
    Tensor::arange(cols, (Kind::Int64, Device::Cpu)).unsqueeze(0).expand([rows, cols], false).contiguous()
    // END SOLUTION
}

/// Exercise 6: the n×n f32 matrix with 1 on the diagonal and -2 just above and below it.
pub fn tridiagonal(n: i64) -> Tensor {
    // BEGIN SOLUTION: an identity matrix plus two off-diagonal bands (`Tensor::diag` takes an offset).
    let band = Tensor::full([(n - 1).max(0)], -2.0, (Kind::Float, Device::Cpu));
    Tensor::eye(n, (Kind::Float, Device::Cpu)) + band.diag(1) + band.diag(-1)
    // END SOLUTION
}

/// Exercise 7: 2π as a 0-dimensional f64 tensor.
pub fn two_pi() -> Tensor {
    // BEGIN SOLUTION: turn the f64 number 2π into a tensor.
    Tensor::from(2.0 * std::f64::consts::PI)
    // END SOLUTION
}

/// Exercise 8: the (rows, cols) i64 tensor X[i, j] = 2i + j, by broadcasting.
pub fn index_grid(rows: i64, cols: i64) -> Tensor {
    // BEGIN SOLUTION: a column of i and a row of j broadcast against each other.
    let i = Tensor::arange(rows, (Kind::Int64, Device::Cpu)).view([-1, 1]);
    let j = Tensor::arange(cols, (Kind::Int64, Device::Cpu)).view([1, -1]);
    2 * i + j
    // END SOLUTION
}

/// Exercise 9: D[i, j] = Euclidean distance between rows i and j of `x` (n×d), without loops.
pub fn pairwise_distances(x: &Tensor) -> Tensor {
    // BEGIN SOLUTION: insert a dimension so that every row meets every other row, then reduce.
    let diff = x.unsqueeze(1) - x.unsqueeze(0);
    diff.square().sum_dim_intlist(-1, false, None).sqrt()
    // END SOLUTION
}

/// Exercise 10: the rows `rows` and columns `cols` of `a` (2-D), in the order of the lists.
/// Both lists are non-empty and hold valid indices (0 ≤ i < size); they may repeat an index.
pub fn submatrix(a: &Tensor, rows: &[i64], cols: &[i64]) -> Tensor {
    // BEGIN SOLUTION: select the rows first, then the columns.
    let rows = Tensor::from_slice(rows);
    let cols = Tensor::from_slice(cols);
    a.index_select(0, &rows).index_select(1, &cols)
    // END SOLUTION
}

/// Exercise 11: true where an entry of `a` (an i64 tensor of any shape) is divisible by 5 or by 7.
pub fn divisible_mask(a: &Tensor) -> Tensor {
    // BEGIN SOLUTION: compare remainders with 0 and combine the two masks.
    a.remainder(5).eq(0).logical_or(&a.remainder(7).eq(0))
    // END SOLUTION
}

/// Exercise 12: how many entries of a bool mask (any shape) are true.
pub fn count_true(mask: &Tensor) -> i64 {
    // BEGIN SOLUTION: sum the mask and read the number out of the tensor.
    mask.sum(Kind::Int64).int64_value(&[])
    // END SOLUTION
}

/// Exercise 13: add 10 to the entries of `a` (i64, any shape) where `mask` (bool, the same shape) is true, in place.
pub fn add_ten_where(a: &mut Tensor, mask: &Tensor) {
    // BEGIN SOLUTION: change `a` itself: an in-place, masked operation.
    let _ = a.masked_scatter_(mask, &(a.masked_select(mask) + 10));
    // END SOLUTION
}

/// Exercise 14: `n` samples of Poisson(rate), as an f32 tensor of shape (n,).
pub fn poisson_samples(rate: f64, n: i64) -> Tensor {
    // BEGIN SOLUTION: libtorch can draw Poisson samples from a tensor of rates.
    Tensor::full([n], rate, (Kind::Float, Device::Cpu)).poisson()
    // END SOLUTION
}

/// Exercise 15: P[i, j] = exp(-λᵢ) λᵢ^kⱼ / kⱼ! for the f32 vectors `lambdas` (λᵢ) and `ks` (kⱼ), as an
/// f32 matrix; kⱼ! = exp(lgamma(kⱼ + 1)). The values in `ks` count, not their positions.
pub fn poisson_pmf_matrix(lambdas: &Tensor, ks: &Tensor) -> Tensor {
    // BEGIN SOLUTION: broadcast a column of rates against a row of counts; in log space nothing overflows.
    let lam = lambdas.view([-1, 1]);
    let k = ks.view([1, -1]);
    let log_p = -&lam + &k * lam.log() - (&k + 1).lgamma();
    log_p.exp()
    // END SOLUTION
}

/// Exercise 16: log-density of Gamma(concentration, rate) at each entry of `x` (f64, any shape, every entry > 0).
pub fn gamma_log_prob(concentration: f64, rate: f64, x: &Tensor) -> Tensor {
    // BEGIN SOLUTION: write out the log of the Gamma density: a·ln(b) + (a−1)·ln(x) − b·x − lnΓ(a).
    let a = concentration;
    let log_norm = a * rate.ln() - Tensor::from(a).lgamma().double_value(&[]);
    (a - 1.0) * x.log() - rate * x + log_norm
    // END SOLUTION
}

/// Exercise 17: `n` samples of the 50/50 mixture of Poisson(rate_a) and Poisson(rate_b), f32.
pub fn poisson_mixture(n: i64, rate_a: f64, rate_b: f64) -> Tensor {
    // BEGIN SOLUTION: first draw which component each sample comes from, then its rate, then the sample.
    let z = Tensor::full([n], 0.5, (Kind::Float, Device::Cpu)).bernoulli().to_kind(Kind::Bool);
    let rates = Tensor::full([n], rate_b, (Kind::Float, Device::Cpu))
        .where_self(&z, &Tensor::full([n], rate_a, (Kind::Float, Device::Cpu)));
    rates.poisson()
    // END SOLUTION
}

/// Exercise 18: a (rows, cols) f32 batch of independent standard normal samples.
pub fn standard_normal(rows: i64, cols: i64) -> Tensor {
    // BEGIN SOLUTION: one call draws standard normal samples of a given shape.
    Tensor::randn([rows, cols], (Kind::Float, Device::Cpu))
    // END SOLUTION
}

/// Exercise 19: one normal sample per entry of `mu` (f32, any shape), with that mean and variance 1;
/// the result is f32 and has the shape of `mu`.
pub fn normal_around(mu: &Tensor) -> Tensor {
    // BEGIN SOLUTION: a standard normal sample of the same shape, shifted by the mean.
    mu + Tensor::randn_like(mu)
    // END SOLUTION
}
