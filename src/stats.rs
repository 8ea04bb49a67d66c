//! Statistical tests for checks of random functions: a sampling exercise is
//! judged by a test with a stated false-alarm rate, never by exact values.
//!
//! How α is chosen: every statistical check in the course uses
//! [`DEFAULT_ALPHA`] = 1e-6, so a correct submission fails one of a suite's
//! (at most a few dozen) statistical checks with probability below 1e-4 per
//! grading run, and `gradwork dev check` runs the reference over many seeds
//! to confirm it. Sample sizes (typically 20 000 draws) are chosen so that the
//! mistakes students make (a wrong rate, a wrong mixture weight, a variance in
//! place of a standard deviation) give p-values far below α.
//!
//! ```
//! use gradwork::stats::{chi_square_gof, poisson_pmf};
//! // 1 000 draws that follow Poisson(2) closely.
//! let mut samples = Vec::new();
//! for k in 0..12i64 {
//!     let count = (1000.0 * poisson_pmf(2.0, k)).round() as usize;
//!     samples.extend(std::iter::repeat(k).take(count));
//! }
//! let test = chi_square_gof(&samples, |k| poisson_pmf(2.0, k));
//! assert!(test.p_value > 0.5);
//! ```

use std::fmt;

/// The false-alarm rate of every statistical check unless its rubric says otherwise.
pub const DEFAULT_ALPHA: f64 = 1e-6;

/// The outcome of a statistical test.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The test's name.
    pub name: &'static str,
    /// The statistic (χ², D, z).
    pub statistic: f64,
    /// Degrees of freedom, where the test has them.
    pub dof: Option<usize>,
    /// Probability of a statistic at least this extreme if the sampler is right.
    pub p_value: f64,
    /// Number of samples.
    pub n: usize,
}

impl TestResult {
    /// Whether the test rejects at false-alarm rate `alpha`.
    pub fn rejects(&self, alpha: f64) -> bool {
        !(self.p_value >= alpha)
    }
}

impl fmt::Display for TestResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dof = self.dof.map(|d| format!(", {d} degrees of freedom")).unwrap_or_default();
        let p = if self.p_value > 0.0 { format!("{:.3e}", self.p_value) } else { "< 1e-300".into() };
        write!(f, "{}: statistic {:.4}{dof}, p-value {p}, n = {}", self.name, self.statistic, self.n)
    }
}

/// Pearson's χ² goodness of fit of integer samples to a pmf on 0, 1, 2, ...
/// Bins are merged from the right so that every expected count is at least 5;
/// the last bin holds the whole upper tail. Samples below 0 land in bin 0
/// (check the support separately for a precise message).
pub fn chi_square_gof(samples: &[i64], pmf: impl Fn(i64) -> f64) -> TestResult {
    let n = samples.len();
    let nf = n as f64;
    // Bins 0..=k_max where the expected counts are still ≥ 5; the rest is one tail bin.
    let mut edges = Vec::new(); // each bin is [start, next start)
    let mut mass = Vec::new();
    let mut covered = 0.0;
    let mut k = 0i64;
    let mut start = 0i64;
    let mut acc = 0.0;
    while k < 100_000 && (1.0 - covered) * nf >= 10.0 {
        let p = pmf(k);
        acc += p;
        covered += p;
        k += 1;
        if acc * nf >= 5.0 {
            edges.push(start);
            mass.push(acc);
            start = k;
            acc = 0.0;
        }
    }
    edges.push(start);
    mass.push((1.0 - covered + acc).max(0.0));
    let mut observed = vec![0usize; edges.len()];
    for &x in samples {
        let bin = edges.partition_point(|&e| e <= x).saturating_sub(1);
        observed[bin] += 1;
    }
    let mut stat = 0.0;
    for (o, p) in observed.iter().zip(&mass) {
        let e = p * nf;
        if e > 0.0 {
            stat += (*o as f64 - e).powi(2) / e;
        } else if *o > 0 {
            stat = f64::INFINITY;
        }
    }
    let dof = edges.len().saturating_sub(1).max(1);
    TestResult { name: "chi-square goodness of fit", statistic: stat, dof: Some(dof), p_value: chi_square_sf(stat, dof as f64), n }
}

/// The one-sample Kolmogorov–Smirnov test of continuous samples against a CDF
/// (asymptotic p-value with Stephens' small-sample correction).
pub fn ks_test(samples: &[f64], cdf: impl Fn(f64) -> f64) -> TestResult {
    let mut xs: Vec<f64> = samples.to_vec();
    xs.sort_by(|a, b| a.total_cmp(b));
    let n = xs.len();
    let nf = n as f64;
    let mut d: f64 = 0.0;
    for (i, &x) in xs.iter().enumerate() {
        let f = cdf(x);
        let f = if f.is_nan() { 2.0 } else { f };
        d = d.max(((i + 1) as f64 / nf - f).abs()).max((f - i as f64 / nf).abs());
    }
    let sqrt_n = nf.sqrt();
    let lambda = (sqrt_n + 0.12 + 0.11 / sqrt_n) * d;
    TestResult { name: "Kolmogorov-Smirnov", statistic: d, dof: None, p_value: kolmogorov_sf(lambda), n }
}

/// Two-sided z-test that samples have mean `mean`, given their true variance.
pub fn mean_z_test(samples: &[f64], mean: f64, variance: f64) -> TestResult {
    let n = samples.len();
    let avg = samples.iter().sum::<f64>() / n.max(1) as f64;
    let z = (avg - mean) / (variance / n.max(1) as f64).sqrt();
    let p = if z.is_nan() { 0.0 } else { 2.0 * normal_sf(z.abs()) };
    TestResult { name: "z-test of the mean", statistic: z, dof: None, p_value: p, n }
}

/// P[X = k] for X ~ Poisson(λ).
pub fn poisson_pmf(lambda: f64, k: i64) -> f64 {
    if k < 0 {
        return 0.0;
    }
    (k as f64 * lambda.ln() - lambda - ln_gamma(k as f64 + 1.0)).exp()
}

/// Standard normal CDF Φ(x).
pub fn normal_cdf(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 - normal_sf(x)
    } else {
        normal_sf(-x)
    }
}

/// Standard normal upper tail 1 − Φ(x) for x ≥ 0, accurate far into the tail.
fn normal_sf(x: f64) -> f64 {
    // 1 − Φ(x) = ½·Q(½, x²/2)
    0.5 * gamma_q(0.5, x * x / 2.0)
}

/// Upper tail of the χ² distribution with `k` degrees of freedom.
pub fn chi_square_sf(x: f64, k: f64) -> f64 {
    if x.is_nan() || x.is_infinite() {
        return 0.0;
    }
    gamma_q(k / 2.0, x / 2.0)
}

fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let term = (-2.0 * (k * k) as f64 * lambda * lambda).exp();
        sum += if k % 2 == 1 { term } else { -term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = G[0];
    let t = x + 7.5;
    for (i, g) in G.iter().enumerate().skip(1) {
        a += g / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularised upper incomplete gamma function Q(a, x) = Γ(a, x)/Γ(a).
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_p_series(a, x)
    } else {
        gamma_q_fraction(a, x)
    }
}

fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut sum = 1.0 / a;
    let mut term = sum;
    let mut ap = a;
    for _ in 0..10_000 {
        ap += 1.0;
        term *= x / ap;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

fn gamma_q_fraction(a: f64, x: f64) -> f64 {
    // Modified Lentz evaluation of the continued fraction.
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}
