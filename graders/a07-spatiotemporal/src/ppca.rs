//! Exercise 6: PPCA's likelihood and its gradients against libtorch's
//! autograd, the closed-form solution, principal angles, and fits by
//! gradient descent judged by what maximum likelihood guarantees: W spans
//! the principal subspace and σ² is the mean of the discarded eigenvalues.

use gradwork::compare::{num, CompareOptions, Tolerance};
use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

const F64: (Kind, Device) = (Kind::Double, Device::Cpu);

/// Normal f64 values from the check's generator (Box–Muller).
fn normals(rng: &mut impl Rng, shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n)
        .map(|_| {
            let (u, v): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        })
        .collect();
    Tensor::from_slice(&values).view(shape)
}

/// The oracle NLL (mean over rows).
fn nll(x: &Tensor, w: &Tensor, mu: &Tensor, sigma2: &Tensor) -> Tensor {
    let (n, d) = (x.size()[0], x.size()[1]);
    let c = w.matmul(&w.tr()) + Tensor::eye(d, F64) * sigma2;
    let diff = x - mu;
    let quad = (&diff * Tensor::linalg_solve(&c, &diff.tr(), true).tr()).sum(Kind::Double) / n as f64;
    (c.logdet() + quad + d as f64 * (2.0 * std::f64::consts::PI).ln()) / 2.0
}

/// Eigen-decomposition of the sample covariance (divided by n): eigenvalues
/// descending, eigenvectors as columns in the same order.
fn eig(x: &Tensor) -> (Tensor, Tensor) {
    let n = x.size()[0];
    let diff = x - x.mean_dim([0i64].as_slice(), true, Kind::Double);
    let (values, vectors) = (diff.tr().matmul(&diff) / n as f64).linalg_eigh("L");
    (values.flip([0]), vectors.flip([1]))
}

/// The closed-form ML solution: (W with R = I, μ, σ²).
fn closed_form(x: &Tensor, k: i64) -> (Tensor, Tensor, f64) {
    let d = x.size()[1];
    let (values, vectors) = eig(x);
    let sigma2 = values.narrow(0, k, d - k).mean(Kind::Double).double_value(&[]);
    let w = vectors.narrow(1, 0, k) * (values.narrow(0, 0, k) - sigma2).sqrt().unsqueeze(0);
    (w, x.mean_dim([0i64].as_slice(), false, Kind::Double), sigma2)
}

/// Principal angles between column spaces, ascending.
pub fn angles(a: &Tensor, b: &Tensor) -> Tensor {
    let (qa, _) = Tensor::linalg_qr(&a.to_kind(Kind::Double), "reduced");
    let (qb, _) = Tensor::linalg_qr(&b.to_kind(Kind::Double), "reduced");
    let (_, cosines, _) = qa.tr().matmul(&qb).svd(true, false);
    cosines.clamp(-1.0, 1.0).acos()
}

/// n samples of a PPCA model with d dimensions and k strong components.
fn ppca_data(rng: &mut impl Rng, n: i64, d: i64, k: i64) -> Tensor {
    let w = normals(rng, &[d, k]) * 2.0;
    let mu = normals(rng, &[d]);
    normals(rng, &[n, k]).matmul(&w.tr()) + normals(rng, &[n, d]) * 0.7 + mu
}

// BEGIN HIDDEN
/// The notebook's data: 10 features, the first three one latent times 3, 2, 1.
fn notebook_data(rng: &mut impl Rng, n: i64) -> Tensor {
    let z = normals(rng, &[n, 1]) * Tensor::from_slice(&[3.0f64, 2.0, 1.0]);
    Tensor::cat(&[z, normals(rng, &[n, 7])], 1)
}
// END HIDDEN

pub fn nll_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, k) = (ctx.rng().random_range(10..30i64), ctx.rng().random_range(3..7i64), ctx.rng().random_range(1..3i64));
    let x = normals(ctx.rng(), &[n, d]) * 1.5 + 0.5;
    let w = normals(ctx.rng(), &[d, k]);
    let mu = normals(ctx.rng(), &[d]) * 0.3;
    let sigma2 = Tensor::from(ctx.rng().random_range(0.3..2.0f64));
    let out = ctx.call("ppca_nll", vec![Value::arg(&x), Value::arg(&w), Value::arg(&mu), Value::arg(&sigma2)])?;
    let [value, grads] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed NLL".into()));
    };
    let what = format!("`ppca_nll` of {n} rows of {d} features with a W of {k} columns");
    let (wr, mr, sr) = (w.set_requires_grad(true), mu.set_requires_grad(true), sigma2.set_requires_grad(true));
    let want = nll(&x, &wr, &mr, &sr);
    want.backward();
    let got = outputs::tensor(value, "the NLL")?;
    ctx.compare(&what, &want.detach(), &got)?;
    let grads = match grads {
        Value::List(items) if items.len() == 3 => items.iter().map(|g| outputs::tensor(g, "a gradient")).collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(Failure::wrong(format!(
                "{what} has the right value, but autograd cannot differentiate it: `backward()` failed. Compute it from the \
                 tensors W, μ and σ² with tensor operations only (no `double_value` in between, no new tensors from plain numbers)."
            )))
        }
    };
    for ((name, want), got) in ["W", "μ", "σ²"].iter().zip([wr.grad(), mr.grad(), sr.grad()]).zip(&grads) {
        ctx.compare(&format!("The gradient with respect to {name} of {what}"), &want, got)?;
    }
    Ok(())
}

fn ppca_out(out: &[Value], what: &str) -> Result<(Tensor, Tensor, f64), Failure> {
    let [w, mu, sigma2] = out else {
        return Err(Failure::Grader(format!("the runner sent a malformed Ppca for {what}")));
    };
    Ok((outputs::tensor(w, "W")?, outputs::tensor(mu, "μ")?, outputs::float(sigma2, "σ²")?))
}

pub fn closed_form_check(ctx: &mut Ctx) -> Result<(), Failure> {
    // Several components first (where W's columns must each get their own eigenvalue), then the smallest case.
    for k in [ctx.rng().random_range(2..4i64), 1] {
        let (n, d) = (ctx.rng().random_range(50..200i64), ctx.rng().random_range(4..8i64));
        closed_form_case(ctx, n, d, k)?;
    }
    Ok(())
}

fn closed_form_case(ctx: &mut Ctx, n: i64, d: i64, k: i64) -> Result<(), Failure> {
    let x = ppca_data(ctx.rng(), n, d, k);
    let what = format!("`ppca_closed_form(x, {k})` of {n} rows of {d} features");
    let (w, mu, sigma2) = ppca_out(&ctx.call("ppca_closed_form", vec![Value::arg(&x), k.into()])?, &what)?;
    let (want_w, want_mu, want_sigma2) = closed_form(&x, k);
    if w.size() != want_w.size() {
        return Err(Failure::wrong(format!("{what} returned W of shape {:?}; expected {:?}.", w.size(), want_w.size())));
    }
    let options = CompareOptions { tolerance: Some(Tolerance { rtol: 1e-6, atol: 1e-9 }), ..CompareOptions::default() };
    ctx.compare_with(&format!("μ from {what}"), &want_mu, &mu, &options)?;
    ctx.compare_with(&format!("σ² from {what} (the mean of the {} smallest eigenvalues of the covariance divided by n)", d - k), &Tensor::from(want_sigma2), &Tensor::from(sigma2), &options)?;
    // W is unique only up to a rotation (and each column's sign): compare W Wᵀ.
    let wwt = |w: &Tensor| w.to_kind(Kind::Double).matmul(&w.to_kind(Kind::Double).tr());
    ctx.compare_with(&format!("W Wᵀ from {what} (W itself is unique only up to a rotation)"), &wwt(&want_w), &wwt(&w), &options)
}

/// Judges a fitted W and σ² against the data's principal subspace.
fn judge_fit(ctx: &mut Ctx, x: &Tensor, k: i64, fit: (Tensor, Tensor, f64), what: &str) -> Result<(), Failure> {
    let (w, mu, sigma2) = fit;
    let d = x.size()[1];
    if w.size() != [d, k] {
        return Err(Failure::wrong(format!("{what} returned W of shape {:?}; expected [{d}, {k}].", w.size())));
    }
    let (values, vectors) = eig(x);
    let discarded = values.narrow(0, k, d - k).mean(Kind::Double).double_value(&[]);
    let worst = angles(&w, &vectors.narrow(1, 0, k)).max().double_value(&[]);
    let sigma_err = (sigma2 - discarded).abs() / discarded;
    let mean_err = (&mu.to_kind(Kind::Double) - x.mean_dim([0i64].as_slice(), false, Kind::Double)).abs().max().double_value(&[]);
    ctx.note_tolerance_used(worst / MAX_ANGLE);
    ctx.note_tolerance_used(sigma_err / MAX_SIGMA2_ERROR);
    let mut problems = Vec::new();
    if !(worst <= MAX_ANGLE) {
        problems.push(format!(
            "the largest principal angle between span(W) and the top-{k} principal subspace is {} rad (at most {MAX_ANGLE} is \
             needed): W has not converged to the principal subspace. Take more care with the optimisation: a small random start \
             (W = 0 is a saddle), Adam on all of W, μ and log σ², and every step from a fresh `backward`",
            num(worst)
        ));
    }
    if !(sigma_err <= MAX_SIGMA2_ERROR) {
        problems.push(format!("σ² is {}, but the mean of the {} discarded eigenvalues is {} (within {} % needed)", num(sigma2), d - k, num(discarded), MAX_SIGMA2_ERROR * 100.0));
    }
    if !(mean_err <= MAX_MEAN_ERROR) {
        problems.push(format!("μ is up to {} away from the data's mean (at most {MAX_MEAN_ERROR} needed)", num(mean_err)));
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::wrong(format!("For {what}: {}.", problems.join("; "))))
}

/// Largest principal angle accepted, in radians (see rubric.toml for the reference's).
pub const MAX_ANGLE: f64 = 0.05;
/// Largest distance of μ from the data's mean accepted, per feature.
pub const MAX_MEAN_ERROR: f64 = 0.05;
/// Largest relative error of σ² accepted.
pub const MAX_SIGMA2_ERROR: f64 = 0.02;
/// Adam steps and learning rate of the fits.
pub const STEPS: i64 = 800;
/// Adam's learning rate for the fits.
pub const LR: f64 = 0.05;

fn fit(ctx: &mut Ctx, x: &Tensor, k: i64, what: &str) -> Result<(Tensor, Tensor, f64), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    ppca_out(&ctx.call("fit_ppca", vec![Value::arg(x), k.into(), STEPS.into(), LR.into(), seed.into()])?, what)
}

pub fn gradient_descent(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, k) = (400, ctx.rng().random_range(5..9i64), 2);
    let x = ppca_data(ctx.rng(), n, d, k);
    let what = format!("`fit_ppca(x, {k}, {STEPS}, {LR}, seed)` on {n} samples of a PPCA model with {d} features and {k} components");
    let result = fit(ctx, &x, k, &what)?;
    judge_fit(ctx, &x, k, result, &what)
}

pub fn notebook(ctx: &mut Ctx) -> Result<(), Failure> {
    for n in [200i64, 1000] {
        let x = notebook_data(ctx.rng(), n);
        let what = format!("`fit_ppca(x, 1, {STEPS}, {LR}, seed)` on the notebook's data ({n} rows of 10 features, the first three one latent times 3, 2 and 1)");
        let result = fit(ctx, &x, 1, &what)?;
        judge_fit(ctx, &x, 1, result, &what)?;
    }
    Ok(())
}

pub fn principal_angles(ctx: &mut Ctx) -> Result<(), Failure> {
    let d = ctx.rng().random_range(6..10i64);
    let a = normals(ctx.rng(), &[d, 3]);
    let (q, _) = Tensor::linalg_qr(&normals(ctx.rng(), &[3, 3]), "reduced");
    let rotated = a.matmul(&q) * 2.5;
    let (basis, _) = Tensor::linalg_qr(&normals(ctx.rng(), &[d, d]), "reduced");
    let shared = Tensor::cat(&[basis.narrow(1, 0, 1), basis.narrow(1, 1, 1) + basis.narrow(1, 2, 1) * 0.7], 1);
    let cases = [
        ("a basis of 3 columns and the same space rotated and scaled", a.shallow_clone(), rotated),
        ("two random 3-dimensional subspaces", a.shallow_clone(), normals(ctx.rng(), &[d, 3])),
        ("two orthogonal planes", basis.narrow(1, 0, 2), basis.narrow(1, 2, 2)),
        ("planes that share one direction", basis.narrow(1, 0, 2), shared),
        ("a line and a plane", normals(ctx.rng(), &[d, 1]), normals(ctx.rng(), &[d, 2])),
    ];
    let options = CompareOptions { tolerance: Some(Tolerance { rtol: 1e-6, atol: 1e-6 }), ..CompareOptions::default() };
    for (what, a, b) in cases {
        let got = ctx.call_tensor("principal_angles", vec![Value::arg(&a), Value::arg(&b)])?;
        ctx.compare_with(&format!("`principal_angles` of {what} in ℝ^{d} (radians, smallest first)"), &angles(&a, &b), &got, &options)?;
    }
    Ok(())
}
