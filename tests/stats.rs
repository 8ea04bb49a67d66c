//! Statistical tests on correct samplers (which must pass, with p-values that
//! are uniform under the null) and on the mistakes students make (which must
//! fail by a wide margin at the course's α).

use gradwork::stats::{
    binomial_test, chi_square_counts, chi_square_gof, gamma_cdf, ks_test, ks_two_sample, mean_z_test, normal_cdf,
    normal_quantile, poisson_pmf, sample_moments, sample_size_z, variance_z_test, DEFAULT_ALPHA,
};
use gradwork::suite::{judge_test, Failure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

fn normal(rng: &mut StdRng) -> f64 {
    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn exponential(rng: &mut StdRng, rate: f64) -> f64 {
    -(1.0 - rng.random::<f64>()).ln() / rate
}

/// Knuth's multiplication method (fine for small λ).
fn poisson(rng: &mut StdRng, lambda: f64) -> i64 {
    let limit = (-lambda).exp();
    let (mut k, mut p) = (0, 1.0);
    loop {
        p *= rng.random::<f64>();
        if p <= limit {
            return k;
        }
        k += 1;
    }
}

fn draws<T>(seed: u64, n: usize, mut f: impl FnMut(&mut StdRng) -> T) -> Vec<T> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| f(&mut rng)).collect()
}

#[test]
fn a_dropout_mask_with_the_right_rate_passes_and_keep_for_drop_fails() {
    let mask = |seed, p: f64| draws(seed, 20_000, |r| r.random_bool(p));
    let zeros = |m: &[bool]| m.iter().filter(|keep| !**keep).count() as u64;
    // The module asks for drop probability 0.3: a correct mask keeps with 0.7.
    let right = binomial_test(zeros(&mask(1, 0.7)), 20_000, 0.3);
    assert!(!right.rejects(DEFAULT_ALPHA), "{right}");
    // Treating 0.3 as the keep probability drops 70 %.
    let swapped = binomial_test(zeros(&mask(1, 0.3)), 20_000, 0.3);
    assert!(swapped.p_value < 1e-300, "{swapped}");
    let message = judge_test("`dropout_mask(20000, 0.3)`", "a mask that drops each unit with probability 0.3", &swapped, DEFAULT_ALPHA, "");
    let Err(Failure::Wrong(message)) = message else { panic!("{message:?}") };
    insta::assert_snapshot!(message);
}

#[test]
fn binomial_test_is_exact_for_small_n() {
    // P[X ≤ 1] for Bin(10, 0.5) = 11/1024; two-sided doubles it.
    let t = binomial_test(1, 10, 0.5);
    assert!((t.p_value - 22.0 / 1024.0).abs() < 1e-12, "{t}");
    assert_eq!(binomial_test(5, 10, 0.5).p_value, 1.0);
    assert_eq!(binomial_test(0, 0, 0.5).p_value, 1.0);
}

#[test]
fn category_counts_of_a_right_and_a_wrong_mixture() {
    let weights = [0.5, 0.3, 0.2];
    let pick = |w: [f64; 3]| {
        move |r: &mut StdRng| {
            let u: f64 = r.random();
            if u < w[0] {
                0
            } else if u < w[0] + w[1] {
                1
            } else {
                2
            }
        }
    };
    let count = |xs: Vec<usize>| {
        let mut c = vec![0u64; 3];
        xs.into_iter().for_each(|x| c[x] += 1);
        c
    };
    let right = chi_square_counts(&count(draws(2, 20_000, pick(weights))), &weights);
    assert!(!right.rejects(DEFAULT_ALPHA), "{right}");
    assert_eq!(right.dof, Some(2));
    let wrong = chi_square_counts(&count(draws(2, 20_000, pick([0.45, 0.35, 0.2]))), &weights);
    assert!(wrong.p_value < 1e-20, "{wrong}");
    // A category the distribution does not have is impossible.
    let impossible = chi_square_counts(&[10, 10, 1], &[0.5, 0.5]);
    assert_eq!(impossible.p_value, 0.0, "{impossible}");
    // Rare categories are pooled so the χ² approximation holds.
    let pooled = chi_square_counts(&[97, 1, 1, 1], &[0.97, 0.01, 0.01, 0.01]);
    assert_eq!(pooled.dof, Some(1));
    assert!(pooled.p_value > 0.5, "{pooled}");
}

#[test]
fn variance_tests_catch_a_standard_deviation_used_as_a_variance() {
    let xs = draws(3, 20_000, normal);
    assert!(!variance_z_test(&xs, 1.0, 3.0).rejects(DEFAULT_ALPHA));
    // N(0, σ² = 4) sampled with `randn * 4` (variance 16) instead of `randn * 2`.
    let scaled: Vec<f64> = xs.iter().map(|x| 4.0 * x).collect();
    let t = variance_z_test(&scaled, 4.0, 3.0 * 16.0);
    assert!(t.p_value < 1e-300, "{t}");
    // Any distribution with a fourth moment: Poisson(3) has μ₄ = λ + 3λ².
    let counts: Vec<f64> = draws(4, 20_000, |r| poisson(r, 3.0) as f64);
    assert!(!variance_z_test(&counts, 3.0, 3.0 + 27.0).rejects(DEFAULT_ALPHA));
    assert!(variance_z_test(&counts, 4.0, 4.0 + 48.0).p_value < 1e-30);
}

#[test]
fn sample_moments_match_the_exponential() {
    let xs = draws(5, 200_000, |r| exponential(r, 2.0));
    let m = sample_moments(&xs);
    assert_eq!(m.n, 200_000);
    assert!((m.mean - 0.5).abs() < 0.01, "{m:?}");
    assert!((m.variance - 0.25).abs() < 0.01, "{m:?}");
    assert!((m.skewness - 2.0).abs() < 0.1, "{m:?}");
    assert!((m.excess_kurtosis - 6.0).abs() < 0.6, "{m:?}");
    assert!(sample_moments(&[1.0]).variance.is_nan());
}

#[test]
fn gamma_samples_against_the_gamma_cdf() {
    assert!((gamma_cdf(2.0, 1.0, 1.0) - (1.0 - 2.0 / std::f64::consts::E)).abs() < 1e-12);
    assert_eq!(gamma_cdf(2.0, 1.0, -1.0), 0.0);
    // Gamma(3, rate 2) as a sum of three Exponential(2).
    let xs = draws(6, 20_000, |r| (0..3).map(|_| exponential(r, 2.0)).sum::<f64>());
    assert!(!ks_test(&xs, |x| gamma_cdf(3.0, 2.0, x)).rejects(DEFAULT_ALPHA));
    // The rate taken for a scale: Gamma(3, rate 0.5).
    assert!(ks_test(&xs, |x| gamma_cdf(3.0, 0.5, x)).p_value < 1e-100);
}

#[test]
fn two_sample_ks_compares_a_sampler_with_the_oracles() {
    let student = draws(7, 10_000, |r| if r.random_bool(0.3) { exponential(r, 1.0) } else { exponential(r, 5.0) });
    let oracle = draws(8, 10_000, |r| if r.random_bool(0.3) { exponential(r, 1.0) } else { exponential(r, 5.0) });
    assert!(!ks_two_sample(&student, &oracle).rejects(DEFAULT_ALPHA));
    let wrong_weight = draws(9, 10_000, |r| if r.random_bool(0.7) { exponential(r, 1.0) } else { exponential(r, 5.0) });
    assert!(ks_two_sample(&wrong_weight, &oracle).p_value < 1e-100);
    assert_eq!(ks_two_sample(&[], &[]).p_value, 1.0);
}

#[test]
fn normal_quantile_inverts_the_cdf() {
    for p in [1e-300, 1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1.0 - 1e-12] {
        let x = normal_quantile(p);
        assert_eq!(x > 0.0, p > 0.5, "p={p}: x={x}");
        // Compare tails, which keep their relative precision.
        let (tail, back) = (p.min(1.0 - p), normal_cdf(-x.abs()));
        assert!(((back - tail) / tail).abs() < 1e-6, "p={p}: x={x}, tail {back} vs {tail}");
    }
    assert_eq!(normal_quantile(0.0), f64::NEG_INFINITY);
    assert!(normal_quantile(1.5).is_nan());
}

/// Under the null, p-values are uniform: a test whose p-values are not would
/// raise false alarms at a rate other than α.
#[test]
fn p_values_of_correct_samplers_are_uniform() {
    let ks: Vec<f64> = (0..400).map(|s| ks_test(&draws(1000 + s, 300, normal), normal_cdf).p_value).collect();
    let uniform = ks_test(&ks, |p| p.clamp(0.0, 1.0));
    assert!(!uniform.rejects(1e-4), "KS p-values are not uniform: {uniform}");
    let z: Vec<f64> = (0..400).map(|s| mean_z_test(&draws(2000 + s, 300, normal), 0.0, 1.0).p_value).collect();
    assert!(!ks_test(&z, |p| p.clamp(0.0, 1.0)).rejects(1e-4));
    // The χ² test on discrete data is conservative: never more false alarms than α.
    let chi: Vec<f64> = (0..400)
        .map(|s| chi_square_gof(&draws(3000 + s, 2000, |r| poisson(r, 4.5)), |k| poisson_pmf(4.5, k)).p_value)
        .collect();
    let alarms = chi.iter().filter(|p| **p < 0.05).count();
    assert!(alarms <= 35, "{alarms} of 400 below 0.05"); // 20 expected; 35 is 3.5 standard deviations
}

#[test]
fn the_sample_size_formula_delivers_its_power() {
    let (effect, alpha, beta) = (0.2, 1e-3, 0.01);
    let n = sample_size_z(effect, alpha, beta);
    assert_eq!(n, 789); // ((3.29 + 2.33) / 0.2)²
    let mut misses = 0;
    let mut alarms = 0;
    for s in 0..100 {
        let xs = draws(4000 + s, n, normal);
        if !mean_z_test(&xs.iter().map(|x| x + effect).collect::<Vec<_>>(), 0.0, 1.0).rejects(alpha) {
            misses += 1;
        }
        if mean_z_test(&xs, 0.0, 1.0).rejects(alpha) {
            alarms += 1;
        }
    }
    assert!(misses <= 5, "{misses} misses in 100 (1 expected)");
    assert!(alarms <= 2, "{alarms} false alarms in 100 (0.1 expected)");
}
