//! Exercises 1–4: the generators (noise-free shapes exactly, noise by
//! statistical tests at α = DEFAULT_ALPHA) and the dataset type.

use crate::oracle;
use crate::wire::{self, at, int, tensor};
use gradwork::compare::num;
use gradwork::stats::{ks_test, mean_z_test, normal_cdf, DEFAULT_ALPHA};
use gradwork::suite::{judge_test, Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

fn generated(ctx: &mut Ctx, function: &str, args: Vec<Value>) -> Result<(Tensor, Tensor), Failure> {
    let out = ctx.call(function, args)?;
    Ok((tensor(at(&out, 0)?)?, tensor(at(&out, 1)?)?))
}

fn compare_clean(ctx: &mut Ctx, call: &str, got: (Tensor, Tensor), want: (Tensor, Tensor), layout: &str) -> Result<(), Failure> {
    ctx.compare(&format!("The points of `{call}`"), &want.0, &got.0).map_err(|f| add(f, layout))?;
    ctx.compare(&format!("The labels of `{call}`"), &want.1, &got.1).map_err(|f| add(f, layout))
}

fn add(failure: Failure, text: &str) -> Failure {
    match failure {
        Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\n{text}")),
        other => other,
    }
}

const MOONS_LAYOUT: &str = "With noise 0 the points are exact: first the upper moon `(cos t, sin t)` for t = \
    linspace(0, π, n / 2), label 0, then the lower moon `(1 − cos t, 1 − sin t − 0.5)` for t = linspace(0, π, \
    n − n / 2), label 1, in that order (no shuffling), f32 points and i64 labels.";

const CIRCLES_LAYOUT: &str = "With noise 0 the points are exact: first n / 2 points on the unit circle at angles \
    2π·i / (n / 2), label 0, then n − n / 2 points on the circle of radius `factor` at angles 2π·j / (n − n / 2), \
    label 1 (the end point 2π excluded, no shuffling), f32 points and i64 labels.";

pub fn moons(ctx: &mut Ctx) -> Result<(), Failure> {
    for n in [7i64, 200] {
        let got = generated(ctx, "make_moons", vec![n.into(), 0.0.into()])?;
        compare_clean(ctx, &format!("make_moons({n}, 0.0)"), got, oracle::clean_moons(n), MOONS_LAYOUT)?;
    }
    Ok(())
}

pub fn circles(ctx: &mut Ctx) -> Result<(), Failure> {
    for (n, factor) in [(7i64, 0.4), (200, 0.4), (51, 0.7)] {
        let got = generated(ctx, "make_circles", vec![n.into(), 0.0.into(), factor.into()])?;
        compare_clean(ctx, &format!("make_circles({n}, 0.0, {factor})"), got, oracle::clean_circles(n, factor), CIRCLES_LAYOUT)?;
    }
    Ok(())
}

/// The noise of a generator is `x − clean`: it must be N(0, noise²) on each
/// coordinate, independently (no correlation between the two coordinates).
fn judge_noise(what: &str, x: &Tensor, clean: &Tensor, noise: f64) -> Result<(), Failure> {
    if x.size() != clean.size() {
        return Err(Failure::wrong(format!("{what} has shape {:?}, expected {:?}.", x.size(), clean.size())));
    }
    let residual = (x.to_kind(Kind::Double) - clean.to_kind(Kind::Double)) / noise;
    let values = Vec::<f64>::try_from(&residual.flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    let sd = (values.iter().map(|v| v * v).sum::<f64>() / values.len() as f64).sqrt() * noise;
    let details = format!(
        "The noise (your points minus the noise-free points) has standard deviation {}; it should be {}: \
         `noise` is the standard deviation of the N(0, noise²) noise on each coordinate.",
        num((sd * 1e4).round() / 1e4),
        num(noise)
    );
    judge_test(what, &format!("N(0, {}²) noise on every coordinate", num(noise)), &ks_test(&values, normal_cdf), DEFAULT_ALPHA, &details)?;
    // Products of independent N(0, 1) coordinates have mean 0 and variance 1.
    let products: Vec<f64> = values.chunks_exact(2).map(|p| p[0] * p[1]).collect();
    judge_test(
        what,
        "independent noise on the two coordinates",
        &mean_z_test(&products, 0.0, 1.0),
        DEFAULT_ALPHA,
        "The noise of the x and y coordinates of a point is correlated: draw it with one `randn` of shape [n, 2], not one number per point.",
    )
}

pub fn generator_noise(ctx: &mut Ctx) -> Result<(), Failure> {
    // Any noise level, not only the notebook's: a standard deviation squared
    // or square-rooted by mistake is off by a factor the KS test sees.
    let n = 4000i64;
    let noise = ctx.rng().random_range(5..40i64) as f64 / 100.0;
    let (x, y) = generated(ctx, "make_moons", vec![n.into(), noise.into()])?;
    let (clean, labels) = oracle::clean_moons(n);
    ctx.compare(&format!("The labels of `make_moons({n}, {noise})`"), &labels, &y)?;
    judge_noise(&format!("`make_moons({n}, {noise})`"), &x, &clean, noise)?;
    let factor = ctx.rng().random_range(2..9i64) as f64 / 10.0;
    let (x, y) = generated(ctx, "make_circles", vec![n.into(), noise.into(), factor.into()])?;
    let (clean, labels) = oracle::clean_circles(n, factor);
    ctx.compare(&format!("The labels of `make_circles({n}, {noise}, {factor})`"), &labels, &y)?;
    judge_noise(&format!("`make_circles({n}, {noise}, {factor})`"), &x, &clean, noise)
}

/// Calls `make_regression_1d(n, a, b, sd)` and checks the shapes, kinds and
/// range of what comes back; returns x and y as f64 values.
fn line(ctx: &mut Ctx, n: i64, a: f64, b: f64, sd: f64) -> Result<(String, Vec<f64>, Vec<f64>), Failure> {
    let what = format!("`make_regression_1d({n}, {a}, {b}, {sd})`");
    let (x, y) = generated(ctx, "make_regression_1d", vec![n.into(), a.into(), b.into(), sd.into()])?;
    for (name, t) in [("x", &x), ("y", &y)] {
        if t.size() != [n, 1] || t.kind() != Kind::Float {
            return Err(Failure::wrong(format!(
                "{what} returned {name} of shape {:?} and kind {:?}; expected shape [{n}, 1] and f32 (Kind::Float): one column, one row per sample.",
                t.size(),
                t.kind()
            )));
        }
    }
    let xs = Vec::<f64>::try_from(&x.to_kind(Kind::Double).flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    let ys = Vec::<f64>::try_from(&y.to_kind(Kind::Double).flatten(0, -1)).map_err(|e| Failure::Grader(e.to_string()))?;
    if let Some((i, v)) = xs.iter().enumerate().find(|(_, v)| !(-2.0..=2.0).contains(*v)) {
        return Err(Failure::wrong(format!("{what}: x[{i}] = {} lies outside [-2, 2].", num(*v))));
    }
    Ok((what, xs, ys))
}

/// x ~ U(-2, 2) and y − (a·x + b) ~ N(0, sd²), by KS tests.
fn judge_line(ctx: &mut Ctx, n: i64, a: f64, b: f64, sd: f64) -> Result<(), Failure> {
    let (what, xs, ys) = line(ctx, n, a, b, sd)?;
    let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(l, h), &v| (l.min(v), h.max(v)));
    let details = format!("Your x runs from {} to {}; it should fill [-2, 2] evenly.", num(lo), num(hi));
    judge_test(&format!("x of {what}"), "U(-2, 2)", &ks_test(&xs, |v| ((v + 2.0) / 4.0).clamp(0.0, 1.0)), DEFAULT_ALPHA, &details)?;
    let residuals: Vec<f64> = xs.iter().zip(&ys).map(|(x, y)| (y - a * x - b) / sd).collect();
    let spread = (residuals.iter().map(|r| r * r).sum::<f64>() / residuals.len() as f64).sqrt() * sd;
    let details = format!(
        "y − ({a}·x + {b}) has standard deviation {}; it should be N(0, {sd}²): noise_std is a standard deviation.",
        num((spread * 1e4).round() / 1e4)
    );
    judge_test(&format!("y of {what}"), &format!("{a}·x + {b} plus N(0, {sd}²) noise"), &ks_test(&residuals, normal_cdf), DEFAULT_ALPHA, &details)
}

pub fn regression_data(ctx: &mut Ctx) -> Result<(), Failure> {
    judge_line(ctx, 5000, 2.2, -0.7, 0.35)
}

/// Makes a dataset of `x` and `y` and checks `len`, `get(indices)` and `subset(indices)`.
fn judge_dataset(ctx: &mut Ctx, x: &Tensor, y: &Tensor, indices: &[i64]) -> Result<(), Failure> {
    let n = x.size()[0];
    let what = format!("`TensorDataset::new(x, y)` with x of shape {:?} and y of shape {:?}", x.size(), y.size());
    let out = wire::call_ok(ctx, &what, "dataset", vec![Value::arg(x), Value::arg(y), indices.to_vec().into()])?;
    let len = int(at(&out, 0)?)?;
    if len != n {
        return Err(Failure::wrong(format!("{what}: `len()` returned {len}, expected {n} (the number of rows).")));
    }
    let idx = Tensor::from_slice(indices);
    let (want_x, want_y) = (x.index_select(0, &idx), y.index_select(0, &idx));
    ctx.compare(&format!("{what}: `get` of indices {indices:?}, the features"), &want_x, &tensor(at(&out, 1)?)?)?;
    ctx.compare(&format!("{what}: `get` of indices {indices:?}, the targets"), &want_y, &tensor(at(&out, 2)?)?)?;
    ctx.compare(&format!("{what}: `subset({indices:?})`, the features"), &want_x, &tensor(at(&out, 3)?)?)?;
    ctx.compare(&format!("{what}: `subset({indices:?})`, the targets"), &want_y, &tensor(at(&out, 4)?)?)
}

/// `TensorDataset::new(x, y)` with `x_rows` ≠ `y_rows` rows must fail with `LengthMismatch`.
fn judge_mismatch(ctx: &mut Ctx, x: &Tensor, y: &Tensor) -> Result<(), Failure> {
    let (x_rows, y_rows) = (x.size()[0], y.size()[0]);
    match wire::call(ctx, "dataset", vec![Value::arg(x), Value::arg(y), vec![0i64].into()])? {
        Err(e) if e.kind == "DataError::LengthMismatch" && e.numbers == [Value::I64(x_rows), Value::I64(y_rows)] => Ok(()),
        Err(e) => Err(Failure::wrong(format!(
            "`TensorDataset::new` of x with {x_rows} rows and y with {y_rows} rows returned `Err({})` (\"{}\") carrying {:?}; \
             expected `DataError::LengthMismatch {{ x_rows: {x_rows}, y_rows: {y_rows} }}`.",
            e.kind, e.message, e.numbers
        ))),
        Ok(_) => Err(Failure::wrong(format!(
            "`TensorDataset::new` accepted x with {x_rows} rows and y with {y_rows} rows. A dataset needs one target per \
             sample: return `Err(DataError::LengthMismatch {{ x_rows, y_rows }})` whenever the first dimensions differ."
        ))),
    }
}

pub fn dataset(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(8..20i64);
    let x = Tensor::arange(n * 3, (Kind::Float, Device::Cpu)).view([n, 3]);
    let y = Tensor::arange(n, (Kind::Int64, Device::Cpu)) * 10;
    judge_dataset(ctx, &x, &y, &[n - 1, 0, 3, 3])?;
    judge_mismatch(ctx, &x, &y.narrow(0, 0, n - 1))
}

// BEGIN HIDDEN
const ANY_SIZE_MOONS: &str = "The layout must hold for every n, the smallest included: for n = 1 there is no upper point \
    and the lower moon is linspace(0, π, 1) = [0], the point (0, 0.5); `Tensor::linspace` handles one point, a formula \
    that divides by (m − 1) does not.";
// END HIDDEN

pub fn generators_any_size(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut sizes = vec![1i64, 2, 3];
    sizes.push(ctx.rng().random_range(4..40));
    sizes.push(ctx.rng().random_range(20..200) * 2 + 1);
    for n in sizes {
        let got = generated(ctx, "make_moons", vec![n.into(), 0.0.into()])?;
        compare_clean(ctx, &format!("make_moons({n}, 0.0)"), got, oracle::clean_moons(n), &format!("{MOONS_LAYOUT}\n\n{ANY_SIZE_MOONS}"))?;
        let factor = ctx.rng().random_range(5..95i64) as f64 / 100.0;
        let got = generated(ctx, "make_circles", vec![n.into(), 0.0.into(), factor.into()])?;
        compare_clean(ctx, &format!("make_circles({n}, 0.0, {factor})"), got, oracle::clean_circles(n, factor), CIRCLES_LAYOUT)?;
    }
    // Noise-free lines of other slopes and intercepts are exact.
    for n in [1i64, ctx.rng().random_range(2..60)] {
        let a = ctx.rng().random_range(-300..300i64) as f64 / 100.0;
        let b = ctx.rng().random_range(-200..200i64) as f64 / 100.0;
        let (what, xs, ys) = line(ctx, n, a, b, 0.0)?;
        let want = Tensor::from_slice(&xs.iter().map(|x| a * x + b).collect::<Vec<_>>()).to_kind(Kind::Float);
        let got = Tensor::from_slice(&ys).to_kind(Kind::Float);
        ctx.compare(&format!("y of {what} (no noise)"), &want, &got).map_err(|f| {
            add(f, &format!("Without noise every y is exactly a·x + b = {a}·x + {b}: use the arguments a and b, not the notebook's line."))
        })?;
    }
    let a = ctx.rng().random_range(-300..300i64) as f64 / 100.0;
    let b = ctx.rng().random_range(-200..200i64) as f64 / 100.0;
    let sd = ctx.rng().random_range(10..100i64) as f64 / 100.0;
    judge_line(ctx, 3000, a, b, sd)
}

pub fn dataset_any_shape(ctx: &mut Ctx) -> Result<(), Failure> {
    // Features of any rank, targets with columns, the smallest and the empty data set.
    for n in [ctx.rng().random_range(2..12i64), 1] {
        let x = Tensor::arange(n * 6, (Kind::Float, Device::Cpu)).view([n, 2, 3]);
        let y = Tensor::arange(n * 4, (Kind::Float, Device::Cpu)).view([n, 4]) * 0.5;
        let count = ctx.rng().random_range(1..8usize);
        let indices: Vec<i64> = (0..count).map(|_| ctx.rng().random_range(0..n)).collect();
        judge_dataset(ctx, &x, &y, &indices)?;
        judge_dataset(ctx, &x, &y, &[])?;
    }
    let x = Tensor::zeros([0, 3], (Kind::Float, Device::Cpu));
    let y = Tensor::zeros([0], (Kind::Int64, Device::Cpu));
    judge_dataset(ctx, &x, &y, &[])?;
    let n = ctx.rng().random_range(3..12i64);
    let x = Tensor::zeros([n, 2], (Kind::Float, Device::Cpu));
    let y = Tensor::zeros([n + 2, 1], (Kind::Float, Device::Cpu));
    judge_mismatch(ctx, &x, &y)?;
    judge_mismatch(ctx, &y, &x)
}
