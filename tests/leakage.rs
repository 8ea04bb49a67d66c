//! Leakage tests on correct and leaky pipelines: the two planted leaks (a
//! validation set drawn from the training set, and a dataset whose features
//! encode the label) are caught, and correct pipelines pass across 20 seeds.

use gradwork::leakage::{binomial_tail, duplicates_across_splits, shuffled_labels, split_integrity, ShuffledLabelOptions};
use gradwork::suite::Failure;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tch::{Device, Kind, Tensor};

const CLASSES: i64 = 3;

/// `n` points in 2-D around three centres 3 apart (overlapping a little), with their labels.
fn clusters(n: usize, rng: &mut StdRng) -> (Tensor, Tensor) {
    let centres = [(0.0, 0.0), (3.0, 0.0), (1.5, 2.6)];
    let mut xs = Vec::with_capacity(2 * n);
    let mut ys = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.random_range(0..CLASSES as usize);
        let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
        let r = (-2.0 * u1.ln()).sqrt();
        let a = std::f64::consts::TAU * u2;
        xs.extend([centres[c].0 + r * a.cos(), centres[c].1 + r * a.sin()]);
        ys.push(c as i64);
    }
    (Tensor::from_slice(&xs).view([n as i64, 2]), Tensor::from_slice(&ys))
}

/// A correct split: one permutation cut into 70 / 30 %.
fn correct_split(n: usize, rng: &mut StdRng) -> (Vec<i64>, Vec<i64>) {
    let mut perm: Vec<i64> = (0..n as i64).collect();
    perm.shuffle(rng);
    let cut = n * 7 / 10;
    (perm[..cut].to_vec(), perm[cut..].to_vec())
}

/// The planted bug: the validation indices drawn from the training indices.
fn validation_from_training(n: usize, rng: &mut StdRng) -> (Vec<i64>, Vec<i64>) {
    let (train, _) = correct_split(n, rng);
    let mut val = train.clone();
    val.shuffle(rng);
    val.truncate(n * 3 / 10);
    (train, val)
}

fn take(t: &Tensor, indices: &[i64]) -> Tensor {
    t.index_select(0, &Tensor::from_slice(indices))
}

/// 1-nearest-neighbour: memorises its training set.
fn nearest_neighbour(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor) -> Result<Tensor, Failure> {
    let d = Tensor::cdist(&x_test.to_kind(Kind::Double), &x_train.to_kind(Kind::Double), 2.0, None);
    Ok(y_train.index_select(0, &d.argmin(1, false)))
}

/// Nearest class centroid: a low-capacity model that cannot memorise.
fn nearest_centroid(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor) -> Result<Tensor, Failure> {
    let onehot = y_train.one_hot(CLASSES).to_kind(Kind::Double);
    let sums = onehot.tr().matmul(&x_train.to_kind(Kind::Double));
    let counts = onehot.sum_dim_intlist(0, false, Kind::Double).clamp_min(1.0).unsqueeze(1);
    let d = Tensor::cdist(&x_test.to_kind(Kind::Double), &(sums / counts), 2.0, None);
    Ok(d.argmin(1, false))
}

fn options(seed: u64) -> ShuffledLabelOptions {
    ShuffledLabelOptions { alpha: 1e-3, seed }
}

fn wrong<T: std::fmt::Debug>(result: Result<T, Failure>) -> String {
    match result {
        Err(Failure::Wrong(message)) => message,
        other => panic!("expected a wrong answer, got {other:?}"),
    }
}

#[test]
fn correct_pipelines_are_never_flagged_across_20_seeds() {
    for seed in 0..20 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (x, y) = clusters(300, &mut rng);
        let (train, val) = correct_split(300, &mut rng);
        let splits = [("train", train.clone()), ("val", val.clone())];
        split_integrity(300, &splits, Some(&[210, 90])).unwrap();
        duplicates_across_splits(&x, &splits, None).unwrap();
        duplicates_across_splits(&x, &splits, Some(3)).unwrap();
        let (x_train, y_train, x_val, y_val) = (take(&x, &train), take(&y, &train), take(&x, &val), take(&y, &val));
        type Fit = fn(&Tensor, &Tensor, &Tensor) -> Result<Tensor, Failure>;
        for (name, pipeline) in [("1-NN", nearest_neighbour as Fit), ("centroid", nearest_centroid as Fit)] {
            let mut p = pipeline;
            let report = shuffled_labels(&mut p, &x_train, &y_train, &x_val, &y_val, &options(seed))
                .unwrap_or_else(|f| panic!("{name}, seed {seed}: {f:?}"));
            assert!(report.control_accuracy > 0.7, "{name}, seed {seed}: {report}");
            assert!(report.p_value >= 1e-3 && report.accuracy < 0.6, "{name}, seed {seed}: {report}");
            assert_eq!(report.n, 90);
        }
    }
}

#[test]
fn a_validation_set_drawn_from_the_training_set_is_caught_by_every_test() {
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (x, y) = clusters(300, &mut rng);
        let (train, val) = validation_from_training(300, &mut rng);
        let splits = [("train", train.clone()), ("val", val.clone())];
        let by_index = wrong(split_integrity(300, &splits, Some(&[210, 90])));
        assert!(by_index.contains("`train` and `val` share 90 samples"), "{by_index}");
        assert!(by_index.contains("90 samples are in no split"), "{by_index}");
        let by_content = wrong(duplicates_across_splits(&x, &splits, None));
        assert!(by_content.contains("90 of the 90 samples in `val` also appear in `train`"), "{by_content}");
        let mut p = nearest_neighbour;
        let by_model = wrong(shuffled_labels(&mut p, &take(&x, &train), &take(&y, &train), &take(&x, &val), &take(&y, &val), &options(seed)));
        assert!(by_model.contains("it scores 100.0% (90 of 90"), "{by_model}");
    }
}

#[test]
fn the_leak_messages_say_what_leaks_and_what_to_check() {
    let mut rng = StdRng::seed_from_u64(7);
    let (x, y) = clusters(300, &mut rng);
    let (train, val) = validation_from_training(300, &mut rng);
    let splits = [("train", train.clone()), ("val", val.clone())];
    insta::assert_snapshot!("split_integrity", wrong(split_integrity(300, &splits, Some(&[210, 90]))));
    insta::assert_snapshot!("duplicates_across_splits", wrong(duplicates_across_splits(&x, &splits, None)));
    let mut p = nearest_neighbour;
    let shuffled = shuffled_labels(&mut p, &take(&x, &train), &take(&y, &train), &take(&x, &val), &take(&y, &val), &options(7));
    insta::assert_snapshot!("shuffled_labels", wrong(shuffled));
}

/// The planted dataset bug: every sample is its label's one-hot vector (times 3),
/// so each class collapses onto one feature vector.
fn label_encoding_features(y: &Tensor) -> Tensor {
    y.one_hot(CLASSES).to_kind(Kind::Double) * 3.0
}

#[test]
fn features_that_encode_the_label_are_caught() {
    for seed in 0..5 {
        let mut rng = StdRng::seed_from_u64(100 + seed);
        let (_, y) = clusters(300, &mut rng);
        let x = label_encoding_features(&y);
        let (train, val) = correct_split(300, &mut rng);
        let splits = [("train", train.clone()), ("val", val.clone())];
        split_integrity(300, &splits, None).unwrap(); // the indices are fine
        let by_content = wrong(duplicates_across_splits(&x, &splits, None));
        assert!(by_content.contains("90 of the 90 samples in `val` also appear in `train`"), "{by_content}");
        let (x_train, y_train, x_val, y_val) = (take(&x, &train), take(&y, &train), take(&x, &val), take(&y, &val));
        // Caught through the model whether it memorises or not.
        let mut nn = nearest_neighbour;
        let mut centroid = nearest_centroid;
        for pipeline in [&mut nn as &mut dyn FnMut(&Tensor, &Tensor, &Tensor) -> Result<Tensor, Failure>, &mut centroid] {
            let by_model = wrong(shuffled_labels(pipeline, &x_train, &y_train, &x_val, &y_val, &options(seed)));
            assert!(by_model.contains("Held-out samples are reaching training"), "{by_model}");
        }
    }
}

#[test]
fn near_duplicates_are_caught_after_rounding_only() {
    let mut rng = StdRng::seed_from_u64(3);
    let (_, y) = clusters(200, &mut rng);
    let noise: Vec<f64> = (0..200 * 3).map(|_| rng.random_range(-1e-6..1e-6)).collect();
    let x = label_encoding_features(&y) + Tensor::from_slice(&noise).view([200, 3]);
    let (train, val) = correct_split(200, &mut rng);
    let splits = [("train", train), ("val", val)];
    duplicates_across_splits(&x, &splits, None).unwrap();
    let rounded = wrong(duplicates_across_splits(&x, &splits, Some(3)));
    assert!(rounded.contains("compared after rounding every value to 3 decimals"), "{rounded}");
    assert!(rounded.contains("60 of the 60 samples in `val` also appear in `train`"), "{rounded}");
}

#[test]
fn a_pipeline_that_learns_nothing_fails_the_positive_control() {
    let mut rng = StdRng::seed_from_u64(11);
    let (x, y) = clusters(300, &mut rng);
    let (train, val) = correct_split(300, &mut rng);
    let mut constant = |_: &Tensor, _: &Tensor, x_test: &Tensor| -> Result<Tensor, Failure> {
        Ok(Tensor::zeros([x_test.size()[0]], (Kind::Int64, Device::Cpu)))
    };
    let message = wrong(shuffled_labels(&mut constant, &take(&x, &train), &take(&y, &train), &take(&x, &val), &take(&y, &val), &options(1)));
    insta::assert_snapshot!(message);
}

#[test]
fn predictions_must_be_one_class_index_per_sample() {
    let mut rng = StdRng::seed_from_u64(12);
    let (x, y) = clusters(120, &mut rng);
    let (train, val) = correct_split(120, &mut rng);
    let (x_train, y_train, x_val, y_val) = (take(&x, &train), take(&y, &train), take(&x, &val), take(&y, &val));
    let mut scores = |_: &Tensor, _: &Tensor, x_test: &Tensor| -> Result<Tensor, Failure> {
        Ok(Tensor::zeros([x_test.size()[0], CLASSES], (Kind::Float, Device::Cpu)))
    };
    let message = wrong(shuffled_labels(&mut scores, &x_train, &y_train, &x_val, &y_val, &options(1)));
    assert_eq!(
        message,
        "Trained on the true labels, the pipeline returned predictions of shape [36, 3]; expected [36], one class \
         index per held-out sample. It looks like scores per class: take `argmax(-1, false)` of them."
    );
    let mut fractions = |_: &Tensor, _: &Tensor, x_test: &Tensor| -> Result<Tensor, Failure> {
        Ok(Tensor::full([x_test.size()[0]], 0.5, (Kind::Double, Device::Cpu)))
    };
    let message = wrong(shuffled_labels(&mut fractions, &x_train, &y_train, &x_val, &y_val, &options(1)));
    assert!(message.ends_with("not class indices: position 0 holds 0.5, not a whole number."), "{message}");
}

#[test]
fn a_failing_pipeline_call_passes_through_and_bad_inputs_are_the_graders() {
    let mut rng = StdRng::seed_from_u64(13);
    let (x, y) = clusters(50, &mut rng);
    let mut failing = |_: &Tensor, _: &Tensor, _: &Tensor| -> Result<Tensor, Failure> { Err(Failure::Grader("boom".into())) };
    assert_eq!(shuffled_labels(&mut failing, &x, &y, &x, &y, &options(0)).unwrap_err(), Failure::Grader("boom".into()));
    let mut p = nearest_neighbour;
    let short = y.narrow(0, 0, 10);
    assert!(matches!(shuffled_labels(&mut p, &x, &short, &x, &y, &options(0)), Err(Failure::Grader(_))));
    let other_shape = Tensor::zeros([50, 3], (Kind::Double, Device::Cpu));
    assert!(matches!(shuffled_labels(&mut p, &x, &y, &other_shape, &y, &options(0)), Err(Failure::Grader(_))));
}

#[test]
fn the_same_seed_shuffles_the_same_way() {
    let mut rng = StdRng::seed_from_u64(14);
    let (x, y) = clusters(200, &mut rng);
    let (train, val) = correct_split(200, &mut rng);
    let run = |seed| {
        let mut p = nearest_neighbour;
        shuffled_labels(&mut p, &take(&x, &train), &take(&y, &train), &take(&x, &val), &take(&y, &val), &options(seed)).unwrap()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5).accuracy, run(6).accuracy);
}

#[test]
fn split_integrity_lists_every_kind_of_problem() {
    let splits = [("train", vec![0, 1, 2, 2, 9]), ("val", vec![3, 1, -1]), ("test", vec![4])];
    let message = wrong(split_integrity(6, &splits, Some(&[4, 2, 1])));
    insta::assert_snapshot!(message);
}

#[test]
fn split_integrity_accepts_a_partition_and_checks_its_sizes() {
    let splits = [("train", vec![4, 0, 2]), ("val", vec![1]), ("test", vec![3])];
    split_integrity(5, &splits, None).unwrap();
    split_integrity(5, &splits, Some(&[3, 1, 1])).unwrap();
    let message = wrong(split_integrity(5, &splits, Some(&[2, 2, 1])));
    assert!(message.contains("- `train` has 3 indices; expected 2\n- `val` has 1 indices; expected 2\n"), "{message}");
    let grader = split_integrity(5, &splits, Some(&[5])).unwrap_err();
    assert!(matches!(grader, Failure::Grader(_)), "{grader:?}");
    split_integrity(0, &[("train", vec![]), ("val", vec![])], Some(&[0, 0])).unwrap();
}

#[test]
fn duplicates_are_found_whatever_the_dtype_and_sample_shape() {
    // Images (n, 1, 2, 2) as u8; samples 0 and 4 are equal, and so are 2 and 5.
    let images = Tensor::from_slice(&[
        1u8, 2, 3, 4, /**/ 5, 6, 7, 8, /**/ 9, 9, 9, 9, /**/ 0, 0, 0, 1, /**/ 1, 2, 3, 4, /**/ 9, 9, 9, 9,
    ])
    .view([6, 1, 2, 2]);
    let splits = [("train", vec![0, 1, 2]), ("val", vec![3, 4]), ("test", vec![5])];
    let message = wrong(duplicates_across_splits(&images, &splits, None));
    assert!(message.contains("- 1 of the 2 samples in `val` also appears in `train`\n- 1 of the 1 samples in `test` also appears in `train`\n"), "{message}");
    assert!(message.contains("For example: `train` sample 0 = `val` sample 4; `train` sample 2 = `test` sample 5."), "{message}");
    // -0.0 and 0.0 are the same value; duplicates within a split are not leakage.
    let x = Tensor::from_slice(&[0.0f64, -0.0, 1.0, 1.0]).view([4, 1]);
    let message = wrong(duplicates_across_splits(&x, &[("a", vec![0, 2, 3]), ("b", vec![1])], None));
    assert!(message.contains("1 of the 1 samples in `b` also appears in `a`"), "{message}");
    duplicates_across_splits(&x, &[("a", vec![2, 3]), ("b", vec![0])], None).unwrap();
    let out = wrong(duplicates_across_splits(&x, &[("a", vec![7])], None));
    assert!(out.starts_with("`a` holds 1 index outside 0..4"), "{out}");
}

/// P[Bin(n, p) ≥ k] by direct summation of exact binomial coefficients.
fn brute_tail(n: u64, k: u64, p: f64) -> f64 {
    (k..=n)
        .map(|j| {
            let choose = (0..j).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64);
            choose * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32)
        })
        .sum()
}

#[test]
fn binomial_tail_is_exact() {
    for n in [1u64, 2, 7, 20, 50] {
        for k in 0..=n + 1 {
            for p in [0.01, 0.2, 0.5, 0.77, 0.999] {
                let (got, want) = (binomial_tail(n, k, p), brute_tail(n, k, p));
                assert!((got - want).abs() <= 1e-12 * want.max(1e-300) + 1e-300, "n={n} k={k} p={p}: {got} vs {want}");
            }
        }
    }
    // Far in the tail, where 1 − cdf would be 0: P[Bin(1000, 0.5) ≥ 1000] = 2^-1000.
    let tiny = binomial_tail(1000, 1000, 0.5);
    assert!((tiny.ln() - (-1000.0 * 2f64.ln())).abs() < 1e-9, "{tiny}");
    assert_eq!(binomial_tail(10, 3, 0.0), 0.0);
    assert_eq!(binomial_tail(10, 10, 1.0), 1.0);
    // Large n: P[X ≥ k] + P[n − X ≥ n − k + 1] = 1, and the normal approximation holds.
    let (n, k, p) = (60_000u64, 30_100u64, 0.5);
    let (upper, complement) = (binomial_tail(n, k, p), binomial_tail(n, n - k + 1, 1.0 - p));
    assert!((upper + complement - 1.0).abs() < 1e-9, "{upper} + {complement}");
    let z = (k as f64 - 0.5 - 30_000.0) / 15_000f64.sqrt();
    assert!((upper - (1.0 - gradwork::stats::normal_cdf(z))).abs() < 1e-3, "{upper}");
}
