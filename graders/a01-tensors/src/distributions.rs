//! Exercises 14–19: distributions. Samplers are judged by goodness-of-fit
//! tests at α = DEFAULT_ALPHA; densities and pmfs are compared with libtorch.

use gradwork::compare::num;
use gradwork::stats::{self, chi_square_gof, ks_test, mean_z_test, normal_cdf, TestResult, DEFAULT_ALPHA};
use gradwork::suite::{judge_test, Ctx, Failure};
use gradwork::value::{DType, Value};
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// Draws per sampling check: large enough that a wrong rate or weight is
/// caught with certainty, small enough to take milliseconds.
const DRAWS: i64 = 20_000;

/// Reads a sample tensor: it must have `shape`, be f32 (as every sampler of
/// the handout returns), hold numbers, and (for counts) only non-negative integers.
fn samples(what: &str, t: &Tensor, shape: &[i64], counts: bool) -> Result<Vec<f64>, Failure> {
    if t.size() != shape {
        return Err(Failure::wrong(format!("{what} has shape {:?}, expected {shape:?}.", t.size())));
    }
    let data = gradwork::value::TensorData::from_tensor(t).map_err(|e| Failure::wrong(format!("{what}: {e}")))?;
    if data.dtype != DType::F32 {
        return Err(Failure::wrong(format!(
            "{what} has dtype {}, expected f32: the handout asks for f32 samples. Draw them from an f32 tensor \
             (`Kind::Float`), or convert the result with `.to_kind(Kind::Float)`.",
            format!("{:?}", data.dtype).to_lowercase()
        )));
    }
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

/// Calls a sampler twice in a row (one runner request, so libtorch's
/// generator runs on between the calls) and fails if both calls return the
/// same samples: a sampler that seeds the generator itself repeats itself.
fn fresh_on_every_call(ctx: &mut Ctx, function: &str, args: Vec<Value>, what: &str) -> Result<(), Failure> {
    let mut call = vec![Value::Str(function.into())];
    call.extend(args);
    let out = ctx.call("twice", call)?;
    let [Value::Tensor(first), Value::Tensor(second)] = out.as_slice() else {
        return Err(Failure::Grader(format!("the runner sent the wrong outputs for two calls of `{function}`")));
    };
    if first == second {
        return Err(Failure::wrong(format!(
            "Two calls of {what}, one after the other, returned exactly the same samples: each call must draw new \
             ones. Do not seed libtorch's generator inside the function (`tch::manual_seed`): the grader seeds it \
             once per check, which already makes every run reproducible with `--seed`."
        )));
    }
    Ok(())
}

fn check_poisson(ctx: &mut Ctx, rate: f64, n: i64) -> Result<(), Failure> {
    let t = ctx.call_tensor("poisson_samples", vec![rate.into(), n.into()])?;
    let what = format!("`poisson_samples({}, {n})`", num(rate));
    let values = samples(&what, &t, &[n], true)?;
    if n < 1000 {
        return Ok(());
    }
    judge_counts(&what, &format!("Poisson({})", num(rate)), &values, |k| stats::poisson_pmf(rate, k), rate, rate)
}

pub fn poisson_samples(ctx: &mut Ctx) -> Result<(), Failure> {
    check_poisson(ctx, 4.5, DRAWS)
}

/// A rate rounded to two decimals, so that messages show it exactly.
fn rate_in(ctx: &mut Ctx, lo: f64, hi: f64) -> f64 {
    (ctx.rng().random_range(lo..hi) * 100.0).round() / 100.0
}

pub fn poisson_samples_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let (small, large) = (rate_in(ctx, 0.2, 1.0), rate_in(ctx, 8.0, 20.0));
    check_poisson(ctx, small, DRAWS)?;
    check_poisson(ctx, large, DRAWS)?;
    check_poisson(ctx, large, 1)?;
    fresh_on_every_call(ctx, "poisson_samples", vec![large.into(), 1000i64.into()], &format!("`poisson_samples({}, 1000)`", num(large)))
}

/// The pmf matrix in f64, as an f32 tensor: exp(−λ + k·ln λ − ln Γ(k + 1)).
/// Computed in f64 so that every f32 way of writing it is judged against
/// the true value, not against one f32 rounding of it.
fn pmf_oracle(lambdas: &Tensor, ks: &Tensor) -> Tensor {
    let lam = lambdas.to_kind(Kind::Double).view([-1, 1]);
    let k = ks.to_kind(Kind::Double).view([1, -1]);
    (-&lam + &k * lam.log() - (&k + 1.0).lgamma()).exp().to_kind(Kind::Float)
}

fn check_pmf(ctx: &mut Ctx, lambdas: &Tensor, ks: &Tensor, what: &str) -> Result<(), Failure> {
    let got = ctx.call_tensor("poisson_pmf_matrix", vec![Value::arg(lambdas), Value::arg(ks)])?;
    let want = pmf_oracle(&lambdas.to_device(ctx.device()), &ks.to_device(ctx.device()));
    ctx.compare(what, &want, &got)
}

pub fn poisson_pmf(ctx: &mut Ctx) -> Result<(), Failure> {
    let lambdas = Tensor::arange_start(1, 6, (Kind::Float, Device::Cpu));
    let ks = Tensor::arange(5, (Kind::Float, Device::Cpu));
    check_pmf(ctx, &lambdas, &ks, "`poisson_pmf_matrix(λ = [1, 2, 3, 4, 5], k = [0, 1, 2, 3, 4])`")
}

/// `[0.5, 3.25]`
fn list(values: &[f32]) -> String {
    format!("[{}]", values.iter().map(|v| num(*v as f64)).collect::<Vec<_>>().join(", "))
}

pub fn poisson_pmf_other_rates(ctx: &mut Ctx) -> Result<(), Failure> {
    // The handout's range: rates in [0.1, 10], counts whole numbers 0..=20 in any order.
    let (m, c) = (ctx.rng().random_range(2..7), ctx.rng().random_range(3..8));
    let rates: Vec<f32> = (0..m).map(|_| (ctx.rng().random_range(0.1f32..10.0) * 100.0).round() / 100.0).collect();
    let counts: Vec<f32> = (0..c).map(|_| ctx.rng().random_range(0..=20) as f32).collect();
    let one_rate = [(ctx.rng().random_range(0.1f32..10.0) * 100.0).round() / 100.0];
    for (rates, counts) in [(rates.clone(), counts.clone()), (vec![10.0, 0.1], vec![20.0, 0.0, 7.0]), (one_rate.to_vec(), vec![3.0])] {
        let what = format!("`poisson_pmf_matrix(λ = {}, k = {})`", list(&rates), list(&counts));
        check_pmf(ctx, &Tensor::from_slice(&rates), &Tensor::from_slice(&counts), &what)?;
    }
    Ok(())
}

fn check_gamma(ctx: &mut Ctx, a: f64, b: f64, x: &Tensor, what: &str) -> Result<(), Failure> {
    let got = ctx.call_tensor("gamma_log_prob", vec![a.into(), b.into(), Value::arg(x)])?;
    let xd = x.to_device(ctx.device());
    let lgamma_a = Tensor::from(a).lgamma().double_value(&[]);
    let want = (a - 1.0) * xd.log() - b * &xd + (a * f64::ln(b) - lgamma_a);
    ctx.compare(&format!("`gamma_log_prob({}, {}, x)` for {what}", num(a), num(b)), &want, &got)
}

pub fn gamma_log_prob(ctx: &mut Ctx) -> Result<(), Failure> {
    let x = Tensor::from_slice(&[0.5f64, 2.0, 5.0]);
    check_gamma(ctx, 3.0, 2.0, &x, "x = [0.5, 2.0, 5.0]")
}

pub fn gamma_log_prob_other(ctx: &mut Ctx) -> Result<(), Failure> {
    // Shapes that are not whole numbers (Γ(a) is no factorial there), any rate, x > 0 of any shape.
    let a = (ctx.rng().random_range(0.5..8.0) * 100.0f64).round() / 100.0 + 0.005;
    let b = (ctx.rng().random_range(0.2..5.0) * 100.0f64).round() / 100.0;
    let k = ctx.rng().random_range(1..12);
    let x = gradwork::inputs::uniform_tensor(ctx.rng(), &[k], 0.05, 15.0);
    check_gamma(ctx, a, b, &x, &format!("{k} random x in (0.05, 15)"))?;
    let (r, c) = (ctx.rng().random_range(2..5), ctx.rng().random_range(2..5));
    let x = gradwork::inputs::uniform_tensor(ctx.rng(), &[r, c], 0.05, 15.0);
    check_gamma(ctx, 2.5, 0.5, &x, &format!("a random x of shape [{r}, {c}] in (0.05, 15)"))?;
    check_gamma(ctx, 1.0, 3.0, &Tensor::from_slice(&[0.1f64, 1.0, 4.0]), "x = [0.1, 1, 4] (a = 1: the exponential distribution)")
}

/// The mixture's mean, variance and pmf.
fn mixture(ra: f64, rb: f64) -> (f64, f64, impl Fn(i64) -> f64) {
    let mean = 0.5 * (ra + rb);
    let var = 0.5 * (ra + ra * ra) + 0.5 * (rb + rb * rb) - mean * mean;
    (mean, var, move |k| 0.5 * stats::poisson_pmf(ra, k) + 0.5 * stats::poisson_pmf(rb, k))
}

fn check_mixture(ctx: &mut Ctx, n: i64, ra: f64, rb: f64) -> Result<Vec<f64>, Failure> {
    let t = ctx.call_tensor("poisson_mixture", vec![n.into(), ra.into(), rb.into()])?;
    let what = format!("`poisson_mixture({n}, {}, {})`", num(ra), num(rb));
    let values = samples(&what, &t, &[n], true)?;
    if n < 1000 {
        return Ok(values);
    }
    let (mean, var, pmf) = mixture(ra, rb);
    let expectation = format!("the 50/50 mixture of Poisson({}) and Poisson({})", num(ra), num(rb));
    judge_counts(&what, &expectation, &values, pmf, mean, var)?;
    Ok(values)
}

pub fn poisson_mixture(ctx: &mut Ctx) -> Result<(), Failure> {
    check_mixture(ctx, DRAWS, 2.0, 7.0).map(|_| ())
}

pub fn poisson_mixture_other(ctx: &mut Ctx) -> Result<(), Failure> {
    let (low, high) = (rate_in(ctx, 0.5, 3.0), rate_in(ctx, 6.0, 15.0));
    let (ra, rb) = if ctx.rng().random_bool(0.5) { (low, high) } else { (high, low) };
    let values = check_mixture(ctx, DRAWS, ra, rb)?;
    // Independent samples look alike wherever they sit in the tensor.
    let what = format!("`poisson_mixture({DRAWS}, {}, {})`", num(ra), num(rb));
    let half = values.len() / 2;
    let even: Vec<f64> = values.iter().step_by(2).copied().collect();
    let odd: Vec<f64> = values.iter().skip(1).step_by(2).copied().collect();
    for (first, second, which) in [(&values[..half], &values[half..], "first half and second half"), (&even[..], &odd[..], "even and odd positions")] {
        let test = stats::ks_two_sample(first, second);
        let (m1, m2) = (moments(first).0, moments(second).0);
        let details = format!(
            "The samples at the {which} have means {} and {}. Each sample must pick its component with its own \
             fair coin, so that any part of the tensor is like any other: not a fixed half (or every other sample) \
             from each component.",
            num((m1 * 1000.0).round() / 1000.0),
            num((m2 * 1000.0).round() / 1000.0)
        );
        judge_test(&what, &format!("independent draws (the {which} alike)"), &test, DEFAULT_ALPHA, &details)?;
    }
    check_mixture(ctx, 1, ra, rb)?;
    fresh_on_every_call(ctx, "poisson_mixture", vec![1000i64.into(), ra.into(), rb.into()], &format!("`poisson_mixture(1000, {}, {})`", num(ra), num(rb)))
}

fn judge_standard_normal(what: &str, values: &[f64]) -> Result<(), Failure> {
    let (m, v) = moments(values);
    let details = format!("Your samples have mean {} and variance {}; N(0, 1) has mean 0 and variance 1.", num(m), num(v));
    judge_test(what, "independent N(0, 1) samples", &ks_test(values, normal_cdf), DEFAULT_ALPHA, &details)
}

pub fn standard_normal(ctx: &mut Ctx) -> Result<(), Failure> {
    let t = ctx.call_tensor("standard_normal", vec![200i64.into(), 3i64.into()])?;
    samples("`standard_normal(200, 3)`", &t, &[200, 3], false)?;
    let (rows, cols) = (DRAWS / 4, 4);
    let t = ctx.call_tensor("standard_normal", vec![rows.into(), cols.into()])?;
    let what = format!("`standard_normal({rows}, {cols})`");
    let values = samples(&what, &t, &[rows, cols], false)?;
    judge_standard_normal(&what, &values)
}

pub fn standard_normal_fresh(ctx: &mut Ctx) -> Result<(), Failure> {
    let t = ctx.call_tensor("standard_normal", vec![1i64.into(), 1i64.into()])?;
    samples("`standard_normal(1, 1)`", &t, &[1, 1], false)?;
    let cols = ctx.rng().random_range(2..6);
    let rows = DRAWS / cols;
    let t = ctx.call_tensor("standard_normal", vec![rows.into(), cols.into()])?;
    let what = format!("`standard_normal({rows}, {cols})`");
    let values = samples(&what, &t, &[rows, cols], false)?;
    judge_standard_normal(&what, &values)?;
    // Independent columns: the product of two of them has mean 0 and variance 1.
    let products: Vec<f64> = values.chunks(cols as usize).map(|row| row[0] * row[1]).collect();
    let details = "Entries of one row should be independent, but the first two columns move together: the mean of \
                   their product is far from 0. Draw every entry on its own (one call for the whole shape), \
                   instead of repeating one column or one row.";
    judge_test(&what, "independent columns", &mean_z_test(&products, 0.0, 1.0), DEFAULT_ALPHA, details)?;
    fresh_on_every_call(ctx, "standard_normal", vec![50i64.into(), 3i64.into()], "`standard_normal(50, 3)`")
}

/// Judges `normal_around(mu)` for a given mu (f32, any shape): shape, dtype,
/// and residuals sample − mu that are N(0, 1).
fn check_normal_around(ctx: &mut Ctx, mu: &Tensor, what: &str) -> Result<(), Failure> {
    let t = ctx.call_tensor("normal_around", vec![Value::arg(mu)])?;
    let values = samples(what, &t, &mu.size(), false)?;
    let means = Vec::<f64>::try_from(mu.to_kind(Kind::Double).flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    let residuals: Vec<f64> = values.iter().zip(&means).map(|(x, m)| x - m).collect();
    let z = mean_z_test(&residuals, 0.0, 1.0);
    judge_test(what, "samples centred on mu", &z, DEFAULT_ALPHA, "The average of sample − mu should be close to 0.")?;
    let (_, v) = moments(&residuals);
    let details = format!("sample − mu has variance {}; it should be 1 (a standard deviation of 1).", num(v));
    judge_test(what, "mu plus N(0, 1) noise", &ks_test(&residuals, normal_cdf), DEFAULT_ALPHA, &details)
}

/// f32 means uniform in (−50, 50), of `shape`.
fn random_means(ctx: &mut Ctx, shape: &[i64]) -> Tensor {
    gradwork::inputs::uniform_tensor(ctx.rng(), shape, -50.0, 50.0).to_kind(Kind::Float)
}

pub fn normal_around(ctx: &mut Ctx) -> Result<(), Failure> {
    let example = Tensor::arange(16, (Kind::Float, Device::Cpu)).view([4, 4]);
    let t = ctx.call_tensor("normal_around", vec![Value::arg(&example)])?;
    samples("`normal_around(mu)` for mu = arange(16) as 4×4", &t, &[4, 4], false)?;
    // Many means at once: the residuals sample - mu must be N(0, 1), whatever mu is.
    let (rows, cols) = (100i64, DRAWS / 100);
    let mu = random_means(ctx, &[rows, cols]);
    check_normal_around(ctx, &mu, &format!("`normal_around(mu)` for a [{rows}, {cols}] mu"))
}

pub fn normal_around_fresh(ctx: &mut Ctx) -> Result<(), Failure> {
    let mu = random_means(ctx, &[DRAWS]);
    check_normal_around(ctx, &mu, &format!("`normal_around(mu)` for a 1-D mu of {DRAWS} entries"))?;
    let mu = random_means(ctx, &[10, 40, 50]);
    check_normal_around(ctx, &mu, "`normal_around(mu)` for a mu of shape [10, 40, 50]")?;
    let mu = Tensor::from_slice(&[3.5f32]);
    check_normal_around(ctx, &mu, "`normal_around(mu)` for mu = [3.5]")?;
    let mu = random_means(ctx, &[20, 5]);
    fresh_on_every_call(ctx, "normal_around", vec![Value::arg(&mu)], "`normal_around(mu)` on the same [20, 5] mu")
}
