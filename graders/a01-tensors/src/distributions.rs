//! Exercises 14–19: distributions. Samplers are judged by goodness-of-fit
//! tests at α = DEFAULT_ALPHA; densities and pmfs are compared with libtorch.

use gradwork::compare::num;
use gradwork::stats::{self, chi_square_gof, ks_test, mean_z_test, normal_cdf, TestResult, DEFAULT_ALPHA};
use gradwork::suite::{judge_test, Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// Draws per sampling check: large enough that a wrong rate or weight is
/// caught with certainty, small enough to take milliseconds.
const DRAWS: i64 = 20_000;

/// Reads a sample tensor: it must have `shape`, hold numbers, and (for counts)
/// only non-negative integers.
fn samples(what: &str, t: &Tensor, shape: &[i64], counts: bool) -> Result<Vec<f64>, Failure> {
    if t.size() != shape {
        return Err(Failure::wrong(format!("{what} has shape {:?}, expected {shape:?}.", t.size())));
    }
    let data = gradwork::value::TensorData::from_tensor(t).map_err(|e| Failure::wrong(format!("{what}: {e}")))?;
    let values = data.values_f64();
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Failure::wrong(format!("{what} holds {} at position {i}: every sample must be a finite number.", num(*v))));
    }
    if counts {
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| **v < 0.0 || v.fract() != 0.0) {
            return Err(Failure::wrong(format!(
                "{what} holds {} at position {i}, but Poisson samples are counts: whole numbers 0, 1, 2, ...",
                num(*v)
            )));
        }
    }
    Ok(values)
}

/// Sample mean and (unbiased) variance, for messages.
fn moments(values: &[f64]) -> (f64, f64) {
    let m = stats::sample_moments(values);
    (m.mean, m.variance)
}

fn judge_counts(what: &str, expectation: &str, values: &[f64], pmf: impl Fn(i64) -> f64, mean: f64, var: f64) -> Result<(), Failure> {
    let counts: Vec<i64> = values.iter().map(|&v| v as i64).collect();
    let test: TestResult = chi_square_gof(&counts, pmf);
    let (m, v) = moments(values);
    let details = format!(
        "Your samples have mean {} and variance {}; {expectation} has mean {} and variance {}.",
        num((m * 1000.0).round() / 1000.0),
        num((v * 1000.0).round() / 1000.0),
        num(mean),
        num(var)
    );
    judge_test(what, expectation, &test, DEFAULT_ALPHA, &details)
}

pub fn poisson_samples(ctx: &mut Ctx) -> Result<(), Failure> {
    let rate = 4.5;
    let t = ctx.call_tensor("poisson_samples", vec![rate.into(), DRAWS.into()])?;
    let what = format!("`poisson_samples({rate}, {DRAWS})`");
    let values = samples(&what, &t, &[DRAWS], true)?;
    judge_counts(&what, "Poisson(4.5)", &values, |k| stats::poisson_pmf(rate, k), rate, rate)
}

/// libtorch's pmf matrix: exp(-λ) λ^j / j! with j! = exp(lgamma(j + 1)).
fn pmf_oracle(lambdas: &Tensor, ks: &Tensor) -> Tensor {
    let lam = lambdas.view([-1, 1]);
    let j = ks.view([1, -1]);
    (-&lam).exp() * lam.pow(&j) / (&j + 1).lgamma().exp()
}

fn check_pmf(ctx: &mut Ctx, lambdas: &Tensor, ks: &Tensor, what: &str) -> Result<(), Failure> {
    let got = ctx.call_tensor("poisson_pmf_matrix", vec![Value::arg(lambdas), Value::arg(ks)])?;
    let want = pmf_oracle(&lambdas.to_device(ctx.device()), &ks.to_device(ctx.device()));
    ctx.compare(what, &want, &got)
}

pub fn poisson_pmf(ctx: &mut Ctx) -> Result<(), Failure> {
    let lambdas = Tensor::arange_start(1, 6, (Kind::Float, Device::Cpu));
    let ks = Tensor::arange(5, (Kind::Float, Device::Cpu));
    check_pmf(ctx, &lambdas, &ks, "`poisson_pmf_matrix(λ = 1..5, j = 0..4)`")
}

pub fn poisson_pmf_other_rates(ctx: &mut Ctx) -> Result<(), Failure> {
    let m = ctx.rng().random_range(2..7);
    let rates: Vec<f32> = (0..m).map(|_| ctx.rng().random_range(0.5f32..10.0)).collect();
    let lambdas = Tensor::from_slice(&rates);
    let ks = Tensor::arange(8, (Kind::Float, Device::Cpu));
    check_pmf(ctx, &lambdas, &ks, &format!("`poisson_pmf_matrix` for λ = {rates:?}, j = 0..7"))
}

pub fn gamma_log_prob(ctx: &mut Ctx) -> Result<(), Failure> {
    let (a, b) = (3.0, 2.0);
    let x = Tensor::from_slice(&[0.5f64, 2.0, 5.0]);
    let got = ctx.call_tensor("gamma_log_prob", vec![a.into(), b.into(), Value::arg(&x)])?;
    let xd = x.to_device(ctx.device());
    let lgamma_a = Tensor::from(a).lgamma().double_value(&[]);
    let want = (a - 1.0) * xd.log() - b * &xd + (a * f64::ln(b) - lgamma_a);
    ctx.compare("`gamma_log_prob(3.0, 2.0, [0.5, 2.0, 5.0])`", &want, &got)
}

pub fn poisson_mixture(ctx: &mut Ctx) -> Result<(), Failure> {
    let (ra, rb) = (2.0, 7.0);
    let t = ctx.call_tensor("poisson_mixture", vec![DRAWS.into(), ra.into(), rb.into()])?;
    let what = format!("`poisson_mixture({DRAWS}, 2.0, 7.0)`");
    let values = samples(&what, &t, &[DRAWS], true)?;
    let mean = 0.5 * (ra + rb);
    let var = 0.5 * (ra + ra * ra) + 0.5 * (rb + rb * rb) - mean * mean;
    let pmf = |k| 0.5 * stats::poisson_pmf(ra, k) + 0.5 * stats::poisson_pmf(rb, k);
    judge_counts(&what, "the 50/50 mixture of Poisson(2) and Poisson(7)", &values, pmf, mean, var)
}

pub fn standard_normal(ctx: &mut Ctx) -> Result<(), Failure> {
    let t = ctx.call_tensor("standard_normal", vec![200i64.into(), 3i64.into()])?;
    samples("`standard_normal(200, 3)`", &t, &[200, 3], false)?;
    let (rows, cols) = (DRAWS / 4, 4);
    let t = ctx.call_tensor("standard_normal", vec![rows.into(), cols.into()])?;
    let what = format!("`standard_normal({rows}, {cols})`");
    let values = samples(&what, &t, &[rows, cols], false)?;
    let (m, v) = moments(&values);
    let details = format!("Your samples have mean {} and variance {}; N(0, 1) has mean 0 and variance 1.", num(m), num(v));
    judge_test(&what, "independent N(0, 1) samples", &ks_test(&values, normal_cdf), DEFAULT_ALPHA, &details)
}

pub fn normal_around(ctx: &mut Ctx) -> Result<(), Failure> {
    let notebook = Tensor::arange(16, (Kind::Float, Device::Cpu)).view([4, 4]);
    let t = ctx.call_tensor("normal_around", vec![Value::arg(&notebook)])?;
    samples("`normal_around(mu)` for the notebook's 4×4 mu", &t, &[4, 4], false)?;
    // Many means at once: the residuals sample - mu must be N(0, 1), whatever mu is.
    let (rows, cols) = (100i64, DRAWS / 100);
    let means: Vec<f32> = (0..rows * cols).map(|_| ctx.rng().random_range(-50.0f32..50.0)).collect();
    let mu = Tensor::from_slice(&means).view([rows, cols]);
    let t = ctx.call_tensor("normal_around", vec![Value::arg(&mu)])?;
    let what = format!("`normal_around(mu)` for a [{rows}, {cols}] mu");
    let values = samples(&what, &t, &[rows, cols], false)?;
    let residuals: Vec<f64> = values.iter().zip(&means).map(|(x, m)| x - *m as f64).collect();
    let z = mean_z_test(&residuals, 0.0, 1.0);
    judge_test(&what, "samples centred on mu", &z, DEFAULT_ALPHA, "The average of sample − mu should be close to 0.")?;
    let (_, v) = moments(&residuals);
    let details = format!("sample − mu has variance {}; it should be 1 (a standard deviation of 1).", num(v));
    judge_test(&what, "mu plus N(0, 1) noise", &ks_test(&residuals, normal_cdf), DEFAULT_ALPHA, &details)
}
