//! Random inputs for checks, drawn from the check's seeded generator
//! ([`crate::suite::Ctx::rng`]), never from libtorch's global one, so that
//! the seed a report prints reproduces every input.
//!
//! ```
//! use rand::SeedableRng;
//! let mut rng = rand::rngs::StdRng::seed_from_u64(7);
//! let x = gradwork::inputs::normal_tensor(&mut rng, &[2, 3], 0.1);
//! assert_eq!((x.size(), x.kind()), (vec![2, 3], tch::Kind::Double));
//! ```

use rand::Rng;
use tch::Tensor;

/// A standard normal number (Box–Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u: f64 = 1.0 - rng.random::<f64>(); // (0, 1]: ln is finite
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// An f64 CPU tensor of `shape` with N(0, std²) entries.
pub fn normal_tensor(rng: &mut impl Rng, shape: &[i64], std: f64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| normal(rng) * std).collect();
    Tensor::from_slice(&values).view(shape)
}

/// An f64 CPU tensor of `shape` with entries uniform in [lo, hi).
pub fn uniform_tensor(rng: &mut impl Rng, shape: &[i64], lo: f64, hi: f64) -> Tensor {
    let n: i64 = shape.iter().product();
    let values: Vec<f64> = (0..n).map(|_| rng.random_range(lo..hi)).collect();
    Tensor::from_slice(&values).view(shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn normals_have_the_asked_spread_and_uniforms_stay_in_range() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let x = normal_tensor(&mut rng, &[4000], 2.0);
        let (mean, std) = (x.mean(tch::Kind::Double).double_value(&[]), x.std(true).double_value(&[]));
        // 4000 draws: the mean's standard error is 2/√4000 ≈ 0.03.
        assert!(mean.abs() < 0.2 && (std - 2.0).abs() < 0.15, "mean {mean}, std {std}");
        let u = uniform_tensor(&mut rng, &[1000], -1.0, 3.0);
        assert!(u.min().double_value(&[]) >= -1.0 && u.max().double_value(&[]) < 3.0);
    }
}
