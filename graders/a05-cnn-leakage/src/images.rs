//! The grader's own dot-vs-ring images (an honest generator, for the inputs
//! of the pipeline checks) and the trivial features a shortcut could use.

use tch::{Device, Kind, Tensor};

/// Side of the images.
pub const SIZE: i64 = 16;

/// Honest images: a centre per image in 4..12, a ring of radius 2 or 3, or a
/// Gaussian blob with about a ring's ink; noise N(0, 0.05²), clipped to [0, 1].
/// Returns images (n, 1, 16, 16) f32 and labels (n,) i64, reproducible from `seed`.
pub fn honest(n: i64, seed: u64) -> (Tensor, Tensor) {
    gradwork::torch_rng::manual_seed(seed as i64);
    let opts = (Kind::Float, Device::Cpu);
    let labels = Tensor::randint(2, [n], (Kind::Int64, Device::Cpu));
    let cx = Tensor::randint_low(4, SIZE - 4, [n, 1, 1], opts);
    let cy = Tensor::randint_low(4, SIZE - 4, [n, 1, 1], opts);
    let radius = Tensor::randint_low(2, 4, [n, 1, 1], opts);
    let rows = Tensor::arange(SIZE, opts).view([1, SIZE, 1]);
    let cols = Tensor::arange(SIZE, opts).view([1, 1, SIZE]);
    let d2 = (rows - cx).square() + (cols - cy).square();
    let ring = (d2.sqrt() - radius).abs().lt(0.6).to_kind(Kind::Float);
    let blob = (-&d2 / (2.0 * 2.655f64)).exp();
    let clean = ring.where_self(&labels.view([-1, 1, 1]).eq(1), &blob);
    let noisy = (&clean + clean.randn_like() * 0.05).clamp(0.0, 1.0).unsqueeze(1);
    (noisy, labels)
}

/// Total brightness (sum of all pixels) of each image of (n, 1, h, w): (n,) f64.
pub fn ink(images: &Tensor) -> Vec<f64> {
    let n = images.size()[0];
    let sums = images.reshape([n, -1]).to_kind(Kind::Double).sum_dim_intlist(1, false, Kind::Double);
    Vec::<f64>::try_from(&sums).unwrap_or_default()
}

/// Centre of the bright pixels (> 0.5) of each image (n, 1, h, w): rows and
/// columns, or `None` for an image without any bright pixel.
pub fn bright_centroids(images: &Tensor) -> Vec<Option<(f64, f64)>> {
    let size = images.size();
    let (n, h, w) = (size[0], size[2], size[3]);
    let mask = images.reshape([n, h, w]).gt(0.5).to_kind(Kind::Double);
    let rows = Tensor::arange(h, (Kind::Double, Device::Cpu)).view([1, h, 1]);
    let cols = Tensor::arange(w, (Kind::Double, Device::Cpu)).view([1, 1, w]);
    let count = mask.sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Double);
    let row_sum = (&mask * rows).sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Double);
    let col_sum = (&mask * cols).sum_dim_intlist([1i64, 2].as_slice(), false, Kind::Double);
    let (count, row_sum, col_sum): (Vec<f64>, Vec<f64>, Vec<f64>) = (
        Vec::try_from(&count).unwrap_or_default(),
        Vec::try_from(&row_sum).unwrap_or_default(),
        Vec::try_from(&col_sum).unwrap_or_default(),
    );
    (0..count.len()).map(|i| (count[i] > 0.0).then(|| (row_sum[i] / count[i], col_sum[i] / count[i]))).collect()
}

/// A one-feature classifier: "class 1 when the feature is above (or below) a threshold".
#[derive(Debug, Clone, Copy)]
pub struct Stump {
    threshold: f64,
    one_above: bool,
}

impl Stump {
    /// The stump with the best training accuracy on `(feature, labels)` (labels 0/1).
    pub fn fit(feature: &[f64], labels: &[i64]) -> Stump {
        let mut order: Vec<usize> = (0..feature.len()).collect();
        order.sort_by(|&a, &b| feature[a].total_cmp(&feature[b]));
        let ones = labels.iter().filter(|&&l| l == 1).count() as f64;
        let n = feature.len() as f64;
        let (mut zeros_below, mut ones_below) = (0.0, 0.0);
        let mut best = Stump { threshold: f64::NEG_INFINITY, one_above: true };
        let mut best_accuracy = ones / n;
        for (k, &i) in order.iter().enumerate() {
            if labels[i] == 1 { ones_below += 1.0 } else { zeros_below += 1.0 }
            let next = order.get(k + 1).map(|&j| feature[j]);
            if next == Some(feature[i]) {
                continue; // a threshold between equal values does not exist
            }
            let threshold = next.map_or(f64::INFINITY, |v| 0.5 * (feature[i] + v));
            let above = (zeros_below + (ones - ones_below)) / n; // 1 above the threshold
            for (accuracy, one_above) in [(above, true), (1.0 - above, false)] {
                if accuracy > best_accuracy {
                    best_accuracy = accuracy;
                    best = Stump { threshold, one_above };
                }
            }
        }
        best
    }

    /// The fraction of `(feature, labels)` this stump classifies correctly.
    pub fn accuracy(&self, feature: &[f64], labels: &[i64]) -> f64 {
        let right = feature
            .iter()
            .zip(labels)
            .filter(|(&f, &l)| ((f > self.threshold) == self.one_above) == (l == 1))
            .count();
        right as f64 / feature.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stump_finds_a_perfect_split_and_scores_held_out_data() {
        let stump = Stump::fit(&[1.0, 2.0, 3.0, 10.0, 11.0, 12.0], &[0, 0, 0, 1, 1, 1]);
        assert_eq!(stump.accuracy(&[0.0, 20.0], &[0, 1]), 1.0);
        let reversed = Stump::fit(&[1.0, 2.0, 10.0, 11.0], &[1, 1, 0, 0]);
        assert_eq!(reversed.accuracy(&[0.0, 20.0], &[1, 0]), 1.0);
    }

    #[test]
    fn a_useless_feature_gives_a_stump_near_the_majority_share() {
        let stump = Stump::fit(&[5.0; 10], &[0, 1, 0, 1, 0, 1, 0, 1, 1, 1]);
        assert_eq!(stump.accuracy(&[5.0; 4], &[1, 1, 0, 0]), 0.5);
    }

    #[test]
    fn honest_images_are_reproducible_and_have_a_shape_each() {
        let (a, la) = honest(50, 7);
        let (b, lb) = honest(50, 7);
        assert!(a.equal(&b) && la.equal(&lb));
        assert!(bright_centroids(&a).iter().all(Option::is_some));
    }
}
