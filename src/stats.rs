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
//! ## The false-alarm budget, in numbers
//!
//! A correct sampler fails a test at level α with probability α (at most α for
//! the discrete and the asymptotic tests, whose p-values are conservative or
//! accurate to well below α at these sample sizes). By the union bound, a
//! course with `m` statistical checks graded for `s` students raises a false
//! alarm somewhere with probability at most `m·s·α`: with α = 1e-6, 50 checks
//! and 500 students that is 2.5 %, and for one student's report 5e-5. The
//! reference itself is graded at fixed seeds by `gradwork dev check`, so it
//! either always passes or always fails: there is no flakiness to chase, and a
//! seed that fails would show up the first time the check is written.
//!
//! ## Choosing the sample size
//!
//! α that small only costs samples. A z-test at two-sided level α detects a
//! shift of `δ` standard deviations with miss rate β when
//! `n ≥ ((z(α/2) + z(β)) / δ)²` ([`sample_size_z`]). With α = β = 1e-6 that is
//! `n ≥ 93/δ²`: 20 000 draws detect shifts of 0.07 standard deviations, which
//! covers every mistake the checks look for (a wrong rate moves a Poisson mean
//! by far more). The χ² and Kolmogorov–Smirnov tests are sized the same way:
//! check the planted-bug samples of the grader (`samples.toml`) with
//! `gradwork demo`; their p-values should be astronomically small, not near α.
//!
//! ## Which test for what
//!
//! | output | test |
//! |---|---|
//! | counts on 0, 1, 2, ... (Poisson, binomial) | [`chi_square_gof`] |
//! | categories with known probabilities (mixture components, classes) | [`chi_square_counts`] |
//! | a 0/1 mask with known rate (dropout, a random split's membership) | [`binomial_test`] |
//! | continuous samples with a known CDF (normal, gamma) | [`ks_test`] with [`normal_cdf`], [`gamma_cdf`] |
//! | continuous samples with no closed-form CDF (mixtures of gammas) | [`ks_two_sample`] against libtorch's sampler |
//! | mean and variance (moments) | [`mean_z_test`], [`variance_z_test`], [`sample_moments`] for the message |
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

/// P[X ≥ k] for X ~ Binomial(n, p), summed exactly in log space (accurate far
/// into the tail, where `1 − cdf` would round to 0).
///
/// ```
/// use gradwork::stats::binomial_tail;
/// assert!((binomial_tail(10, 9, 0.5) - 11.0 / 1024.0).abs() < 1e-15);
/// assert_eq!(binomial_tail(10, 0, 0.3), 1.0);
/// assert_eq!(binomial_tail(10, 11, 0.3), 0.0);
/// assert!(binomial_tail(1000, 900, 0.5) < 1e-140);
/// ```
pub fn binomial_tail(n: u64, k: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p.is_nan() || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let (ln_p, ln_q) = (p.ln(), (-p).ln_1p());
    let ln_choose = |j: f64| ln_gamma(nf + 1.0) - ln_gamma(j + 1.0) - ln_gamma(nf - j + 1.0);
    let log_terms: Vec<f64> = (k..=n).map(|j| j as f64).map(|j| ln_choose(j) + j * ln_p + (nf - j) * ln_q).collect();
    let max = log_terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = log_terms.iter().map(|t| (t - max).exp()).sum();
    (max + sum.ln()).exp().min(1.0)
}

/// Exact two-sided binomial test that `successes` of `n` trials come from
/// success probability `p` (doubling the smaller tail): for 0/1 masks such as
/// dropout's, or how often an index lands in the validation split.
///
/// ```
/// use gradwork::stats::binomial_test;
/// // A dropout mask with p = 0.3 over 10 000 units: about 3 000 zeros.
/// assert!(binomial_test(3_050, 10_000, 0.3).p_value > 0.2);
/// assert!(binomial_test(7_000, 10_000, 0.3).p_value < 1e-100);
/// ```
pub fn binomial_test(successes: u64, n: u64, p: f64) -> TestResult {
    let upper = binomial_tail(n, successes, p);
    // P[X ≤ k] is the upper tail of the failures: exact, where 1 − P[X > k] would round.
    let lower = binomial_tail(n, n.saturating_sub(successes), 1.0 - p);
    let p_value = (2.0 * upper.min(lower)).min(1.0);
    let expected = n as f64 * p;
    let statistic = if n == 0 { 0.0 } else { (successes as f64 - expected) / (expected * (1.0 - p)).sqrt() };
    TestResult { name: "exact binomial test", statistic, dof: None, p_value, n: n as usize }
}

/// Pearson's χ² test that category counts follow `probabilities` (which must
/// sum to 1): mixture components, classes, the values of a categorical
/// sampler. Categories whose expected count is below 5 are pooled into one,
/// so the χ² approximation holds.
///
/// ```
/// use gradwork::stats::chi_square_counts;
/// let fair = chi_square_counts(&[1010, 985, 1005], &[1.0 / 3.0; 3]);
/// assert!(fair.p_value > 0.5);
/// let skewed = chi_square_counts(&[1500, 750, 750], &[1.0 / 3.0; 3]);
/// assert!(skewed.p_value < 1e-50);
/// ```
pub fn chi_square_counts(observed: &[u64], probabilities: &[f64]) -> TestResult {
    let n: u64 = observed.iter().sum();
    let nf = n as f64;
    let (mut stat, mut bins) = (0.0, 0usize);
    let (mut pooled_o, mut pooled_p) = (0.0, 0.0);
    for (i, &p) in probabilities.iter().enumerate() {
        let o = observed.get(i).copied().unwrap_or(0) as f64;
        if p * nf < 5.0 {
            pooled_o += o;
            pooled_p += p;
            continue;
        }
        stat += (o - p * nf).powi(2) / (p * nf);
        bins += 1;
    }
    // Counts in categories beyond `probabilities` have probability 0.
    let extra: u64 = observed.iter().skip(probabilities.len()).sum();
    pooled_o += extra as f64;
    if pooled_p > 0.0 || pooled_o > 0.0 {
        let e = pooled_p * nf;
        stat += if e > 0.0 { (pooled_o - e).powi(2) / e } else { f64::INFINITY };
        bins += 1;
    }
    let dof = bins.saturating_sub(1).max(1);
    TestResult { name: "chi-square test of category counts", statistic: stat, dof: Some(dof), p_value: chi_square_sf(stat, dof as f64), n: n as usize }
}

/// Mean, variance and shape of a sample, for messages ("your samples have
/// mean 2.01 and variance 3.98").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Number of samples.
    pub n: usize,
    /// Sample mean.
    pub mean: f64,
    /// Unbiased sample variance (divides by n − 1).
    pub variance: f64,
    /// Sample skewness (third standardised moment).
    pub skewness: f64,
    /// Sample excess kurtosis (fourth standardised moment minus 3; 0 for a normal).
    pub excess_kurtosis: f64,
}

/// The [`Moments`] of a sample (NaN for fewer than two samples).
///
/// ```
/// use gradwork::stats::sample_moments;
/// let m = sample_moments(&[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(m.mean, 2.5);
/// assert!((m.variance - 5.0 / 3.0).abs() < 1e-12);
/// assert!(m.skewness.abs() < 1e-12);
/// ```
pub fn sample_moments(samples: &[f64]) -> Moments {
    let n = samples.len();
    if n < 2 {
        let mean = samples.first().copied().unwrap_or(f64::NAN);
        return Moments { n, mean, variance: f64::NAN, skewness: f64::NAN, excess_kurtosis: f64::NAN };
    }
    let nf = n as f64;
    let mean = samples.iter().sum::<f64>() / nf;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for &x in samples {
        let d = x - mean;
        m2 += d * d;
        m3 += d * d * d;
        m4 += d * d * d * d;
    }
    let (m2n, m3n, m4n) = (m2 / nf, m3 / nf, m4 / nf);
    Moments {
        n,
        mean,
        variance: m2 / (nf - 1.0),
        skewness: m3n / m2n.powf(1.5),
        excess_kurtosis: m4n / (m2n * m2n) - 3.0,
    }
}

/// Two-sided z-test that samples have variance `variance`, given the
/// distribution's fourth central moment μ₄ (3σ⁴ for a normal, λ + 3λ² for a
/// Poisson(λ)). Uses Var(s²) = (μ₄ − σ⁴(n − 3)/(n − 1))/n, so it holds for
/// any distribution with a finite fourth moment, not only the normal.
///
/// ```
/// use gradwork::stats::variance_z_test;
/// // Standard-normal-like samples judged against variance 1 and against 4
/// // (a standard deviation of 2 mistaken for a variance).
/// let xs: Vec<f64> = (0..4000).map(|i| ((i as f64 + 0.5) / 4000.0))
///     .map(gradwork::stats::normal_quantile).collect();
/// assert!(variance_z_test(&xs, 1.0, 3.0).p_value > 0.01);
/// assert!(variance_z_test(&xs, 4.0, 48.0).p_value < 1e-100);
/// ```
pub fn variance_z_test(samples: &[f64], variance: f64, fourth_central_moment: f64) -> TestResult {
    let n = samples.len();
    let nf = n as f64;
    let s2 = sample_moments(samples).variance;
    let var_s2 = (fourth_central_moment - variance * variance * (nf - 3.0) / (nf - 1.0)) / nf;
    let z = (s2 - variance) / var_s2.sqrt();
    let p = if z.is_nan() { 0.0 } else { 2.0 * normal_sf(z.abs()) };
    TestResult { name: "z-test of the variance", statistic: z, dof: None, p_value: p, n }
}

/// The two-sample Kolmogorov–Smirnov test: do `a` and `b` come from the same
/// continuous distribution? For samplers without a closed-form CDF, compare
/// the student's samples with the oracle's (asymptotic p-value on the
/// effective size nm/(n + m)).
///
/// ```
/// use gradwork::stats::ks_two_sample;
/// let a: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
/// let b: Vec<f64> = (0..800).map(|i| (i as f64 + 0.5) / 800.0).collect();
/// assert!(ks_two_sample(&a, &b).p_value > 0.9);
/// let shifted: Vec<f64> = b.iter().map(|x| x + 0.2).collect();
/// assert!(ks_two_sample(&a, &shifted).p_value < 1e-10);
/// ```
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> TestResult {
    let mut xs = a.to_vec();
    let mut ys = b.to_vec();
    xs.sort_by(|p, q| p.total_cmp(q));
    ys.sort_by(|p, q| p.total_cmp(q));
    let (n, m) = (xs.len(), ys.len());
    let (mut i, mut j, mut d) = (0usize, 0usize, 0.0f64);
    while i < n && j < m {
        let x = if xs[i].total_cmp(&ys[j]).is_le() { xs[i] } else { ys[j] };
        while i < n && xs[i].total_cmp(&x).is_le() {
            i += 1;
        }
        while j < m && ys[j].total_cmp(&x).is_le() {
            j += 1;
        }
        d = d.max((i as f64 / n as f64 - j as f64 / m as f64).abs());
    }
    if n == 0 || m == 0 {
        d = if n == m { 0.0 } else { 1.0 };
    }
    let effective = (n * m) as f64 / (n + m).max(1) as f64;
    let sqrt_e = effective.sqrt();
    let lambda = (sqrt_e + 0.12 + 0.11 / sqrt_e.max(1e-12)) * d;
    TestResult { name: "two-sample Kolmogorov-Smirnov", statistic: d, dof: None, p_value: kolmogorov_sf(lambda), n: n + m }
}

/// CDF of the Gamma distribution with shape `a` and rate `b` (mean a/b) at `x`.
///
/// ```
/// use gradwork::stats::gamma_cdf;
/// // Gamma(1, rate 2) is Exponential(2).
/// assert!((gamma_cdf(1.0, 2.0, 0.5) - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
/// ```
pub fn gamma_cdf(shape: f64, rate: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    1.0 - gamma_q(shape, rate * x)
}

/// The standard normal quantile Φ⁻¹(p) (bisection on [`normal_cdf`]; exact to
/// about 1e-12 in x).
///
/// ```
/// use gradwork::stats::normal_quantile;
/// assert!((normal_quantile(0.975) - 1.959964).abs() < 1e-6);
/// assert_eq!(normal_quantile(0.5), 0.0);
/// ```
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 {
        return if p == 0.0 { f64::NEG_INFINITY } else { f64::NAN };
    }
    if p >= 1.0 {
        return if p == 1.0 { f64::INFINITY } else { f64::NAN };
    }
    if p == 0.5 {
        return 0.0;
    }
    if p > 0.5 {
        return -normal_quantile(1.0 - p);
    }
    // p < 0.5: the root lies in (-40, 0); work with the accurate upper tail.
    let (mut lo, mut hi) = (-40.0f64, 0.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if normal_sf(-mid) > p {
            hi = mid;
        } else {
            lo = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The number of samples a two-sided z-test at level `alpha` needs to detect
/// a shift of `effect` standard deviations with miss rate `beta`:
/// `((z(α/2) + z(β)) / effect)²`, rounded up.
///
/// ```
/// use gradwork::stats::{sample_size_z, DEFAULT_ALPHA};
/// // At α = β = 1e-6, 20 000 draws detect a shift of 0.07 standard deviations.
/// assert!(sample_size_z(0.07, DEFAULT_ALPHA, 1e-6) <= 20_000);
/// assert_eq!(sample_size_z(1.0, 0.05, 0.2), 8);
/// ```
pub fn sample_size_z(effect: f64, alpha: f64, beta: f64) -> usize {
    let z = normal_quantile(1.0 - alpha / 2.0) + normal_quantile(1.0 - beta);
    ((z / effect).powi(2)).ceil() as usize
}
