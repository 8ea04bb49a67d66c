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
    // BEGIN SOLUTION: C from W and σ²; logdet; the quadratic form through linalg_solve
    let (n, d) = (x.size()[0], x.size()[1]);
    let c = w.matmul(&w.tr()) + Tensor::eye(d, (Kind::Double, x.device())) * sigma2;
    let diff = x - mu;
    let quad = (&diff * Tensor::linalg_solve(&c, &diff.tr(), true).tr()).sum(Kind::Double);
    (c.logdet() * n as f64 + quad + (n * d) as f64 * (2.0 * std::f64::consts::PI).ln()) / (2 * n) as f64
    // END SOLUTION
}

/// Exercise 6b: fits PPCA with `k` components to `x` (n, d, f64) by
/// gradient descent on [`ppca_nll`]: `tch::manual_seed(seed)`, then `steps`
/// Adam steps at learning rate `lr` on W, μ and σ². Start W small and
/// random (PPCA has a saddle at W = 0), μ anywhere (the data's mean is a
/// good start), and keep σ² positive (learn its logarithm).
pub fn fit_ppca(x: &Tensor, k: i64, steps: i64, lr: f64, seed: i64) -> Ppca {
    // BEGIN SOLUTION: a VarStore of f64 variables W, μ and log σ²; Adam on the NLL
    tch::manual_seed(seed);
    let d = x.size()[1];
    let mut vs = nn::VarStore::new(Device::Cpu);
    let root = vs.root();
    let w = root.randn("w", &[d, k], 0.0, 0.1);
    let mu = root.zeros("mu", &[d]);
    let log_sigma2 = root.zeros("log_sigma2", &[]);
    vs.double();
    tch::no_grad(|| mu.shallow_clone().copy_(&x.mean_dim([0i64].as_slice(), false, Kind::Double)));
    let mut optimizer = match nn::Adam::default().build(&vs, lr) {
        Ok(optimizer) => optimizer,
        Err(e) => panic!("cannot build the Adam optimiser: {e}"),
    };
    for _ in 0..steps {
        let loss = ppca_nll(x, &w, &mu, &log_sigma2.exp());
        optimizer.backward_step(&loss);
    }
    Ppca { w: w.detach().copy(), mu: mu.detach().copy(), sigma2: log_sigma2.exp().double_value(&[]) }
    // END SOLUTION
}

/// Exercise 6c: the maximum-likelihood PPCA solution in closed form (Tipping
/// and Bishop 1999). With S = (1/n) Σ (xᵢ − x̄)(xᵢ − x̄)ᵀ (divide by n, not
/// n − 1) and its eigenvalues λ₁ ≥ … ≥ λ_d with unit eigenvectors u₁, …:
/// μ = x̄, σ² = the mean of λ_{k+1}, …, λ_d, and
/// W = [u₁ … u_k] diag(sqrt(λᵢ − σ²)) (the rotation taken as R = I).
pub fn ppca_closed_form(x: &Tensor, k: i64) -> Ppca {
    // BEGIN SOLUTION: the sample covariance; linalg_eigh gives ascending eigenvalues
    let (n, d) = (x.size()[0], x.size()[1]);
    let mu = x.mean_dim([0i64].as_slice(), false, Kind::Double);
    let diff = x - &mu;
    let s = diff.tr().matmul(&diff) / n as f64;
    let (values, vectors) = s.linalg_eigh("L");
    let sigma2 = values.narrow(0, 0, d - k).mean(Kind::Double).double_value(&[]);
    let top = values.narrow(0, d - k, k).flip([0]);
    let u = vectors.narrow(1, d - k, k).flip([1]);
    Ppca { w: u * (top - sigma2).sqrt().unsqueeze(0), mu, sigma2 }
    // END SOLUTION
}

/// Exercise 6d: the principal angles between the column spaces of `a`
/// (d, p) and `b` (d, q), in radians, smallest first: a tensor of
/// min(p, q) f64 values in [0, π/2]. Each space is given by any basis (not
/// necessarily orthonormal); zero angles mean a shared direction.
pub fn principal_angles(a: &Tensor, b: &Tensor) -> Tensor {
    // BEGIN SOLUTION: orthonormal bases by QR; the singular values of Qaᵀ Qb are the cosines
    let (qa, _) = Tensor::linalg_qr(&a.to_kind(Kind::Double), "reduced");
    let (qb, _) = Tensor::linalg_qr(&b.to_kind(Kind::Double), "reduced");
    let (_, cosines, _) = qa.tr().matmul(&qb).svd(true, false);
    cosines.clamp(-1.0, 1.0).acos()
    // END SOLUTION
}

/// Exercise 6e: the notebook asks whether PPCA fitted by gradient descent
/// converges to PCA, and answers "no". In a few sentences of your own: does
/// it, in what sense, and why did the notebook's comparison find nothing?
pub fn ppca_answer() -> &'static str {
    // BEGIN SOLUTION: the subspace, the rotation, and what the notebook compared
    "Yes, in the sense that matters: the maximum-likelihood W spans the same subspace as the top-k principal \
     components, and sigma squared converges to the mean of the discarded eigenvalues. But W is only determined up to \
     a rotation, since W R gives the same covariance W W^T + sigma^2 I for any orthogonal R, so its columns need not be \
     the principal directions themselves. The notebook correlated the first column of an unconstrained, rotated W \
     with the first principal component and so found a weak correlation; comparing the subspaces, with principal \
     angles, shows they agree."
    // END SOLUTION
}
