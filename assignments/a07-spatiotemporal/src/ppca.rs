//! Exercise 6 (Exercise Stack G 7): probabilistic PCA, fitted by gradient
//! descent and compared with PCA the right way.
//!
//! PPCA models a sample x ∈ ℝᵈ as x = W z + μ + ε with z ~ N(0, I_k) and
//! ε ~ N(0, σ² I_d), so x ~ N(μ, C) with C = W Wᵀ + σ² I. Tipping and Bishop
//! (1999) showed that the maximum-likelihood W spans the top-k principal
//! subspace of the data, but only up to a rotation: W R fits exactly as well
//! for every orthogonal R.

#[allow(unused_imports)]
use tch::nn::{self, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// The parameters of a PPCA model, f64.
#[derive(Debug)]
pub struct Ppca {
    /// The loadings W, (d, k).
    pub w: Tensor,
    /// The mean μ, (d,).
    pub mu: Tensor,
    /// The noise variance σ².
    pub sigma2: f64,
}

/// Exercise 6a: the average negative log-likelihood of the rows of `x`
/// (n, d) under PPCA with loadings `w` (d, k), mean `mu` (d,) and noise
/// variance `sigma2` (a 0-d tensor, so that it can be learned):
///
/// ```text
/// NLL = (1/n) Σᵢ ½ [ d·ln(2π) + ln det C + (xᵢ − μ)ᵀ C⁻¹ (xᵢ − μ) ],   C = W Wᵀ + σ² I
/// ```
///
/// A 0-d tensor that autograd can differentiate (use `logdet` and a linear
/// solve rather than an explicit inverse). All inputs are f64.
pub fn ppca_nll(x: &Tensor, w: &Tensor, mu: &Tensor, sigma2: &Tensor) -> Tensor {
    // TODO: C from W and σ²; logdet; the quadratic form through linalg_solve
    todo!()
}

/// Exercise 6b: fits PPCA with `k` components to `x` (n, d, f64) by
/// gradient descent on [`ppca_nll`]: `tch::manual_seed(seed)`, then `steps`
/// Adam steps at learning rate `lr` on W, μ and σ². Start W small and
/// random (PPCA has a saddle at W = 0), μ anywhere (the data's mean is a
/// good start), and keep σ² positive (learn its logarithm).
pub fn fit_ppca(x: &Tensor, k: i64, steps: i64, lr: f64, seed: i64) -> Ppca {
    // TODO: a VarStore of f64 variables W, μ and log σ²; Adam on the NLL
    todo!()
}

/// Exercise 6c: the maximum-likelihood PPCA solution in closed form (Tipping
/// and Bishop 1999). With S = (1/n) Σ (xᵢ − x̄)(xᵢ − x̄)ᵀ (divide by n, not
/// n − 1) and its eigenvalues λ₁ ≥ … ≥ λ_d with unit eigenvectors u₁, …:
/// μ = x̄, σ² = the mean of λ_{k+1}, …, λ_d, and
/// W = [u₁ … u_k] diag(sqrt(λᵢ − σ²)) (the rotation taken as R = I).
pub fn ppca_closed_form(x: &Tensor, k: i64) -> Ppca {
    // TODO: the sample covariance; linalg_eigh gives ascending eigenvalues
    todo!()
}

/// Exercise 6d: the principal angles between the column spaces of `a`
/// (d, p) and `b` (d, q), in radians, smallest first: a tensor of
/// min(p, q) f64 values in [0, π/2]. Each space is given by any basis (not
/// necessarily orthonormal); zero angles mean a shared direction.
pub fn principal_angles(a: &Tensor, b: &Tensor) -> Tensor {
    // TODO: orthonormal bases by QR; the singular values of Qaᵀ Qb are the cosines
    todo!()
}

/// Exercise 6e: the notebook asks whether PPCA fitted by gradient descent
/// converges to PCA, and answers "no". In a few sentences of your own: does
/// it, in what sense, and why did the notebook's comparison find nothing?
pub fn ppca_answer() -> &'static str {
    // TODO: the subspace, the rotation, and what the notebook compared
    todo!()
}
