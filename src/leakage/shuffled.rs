//! The shuffled-labels test: a pipeline trained on shuffled labels must score
//! chance on held-out data, unless held-out samples reach training.
//!
//! ## What is shuffled, and why
//!
//! One permutation (from the printed seed) shuffles the labels of all samples
//! together, training and held-out, and the held-out predictions are scored
//! against the held-out samples' shuffled labels. Rows with identical content
//! are one sample and share one shuffled label, as the same sample in a
//! dataset would.
//!
//! Under that permutation the held-out labels are independent of everything a
//! correct pipeline sees (the features, and the training labels up to their
//! counts), so its number of correct predictions is a sum of draws without
//! replacement whose per-sample success probability is at most `p_max`, the
//! largest class share of the held-out labels; `P[Bin(n, p_max) ≥ correct]`
//! bounds its tail, and flagging below α keeps the false-alarm rate at α
//! (1e-3) or less, whatever the model or the data. A held-out sample that is
//! also in the training set (a validation set drawn from the training set, a
//! duplicate, a dataset whose features collapse each class onto one sample)
//! carries its shuffled label into training, and a model that fits its
//! training data predicts it: accuracy far above chance.
//!
//! Scoring against the *unshuffled* held-out labels instead would not be a
//! valid test: a low-capacity model (nearest centroid, logistic regression)
//! trained on shuffled labels still splits clustered data along some random
//! direction, which agrees with the true classes by luck often enough to be
//! flagged on correct pipelines. On the three Gaussian clusters of
//! `tests/leakage.rs`, 33 of 200 correct nearest-centroid runs scored that way
//! fall below α = 1e-3, 165 times the intended false-alarm rate.
//!
//! The positive control trains on the true labels and must beat chance at the
//! same α, so a pipeline that learns nothing cannot pass by accident.

use super::rows::{identities, Rows};
use crate::compare::num;
use crate::stats::binomial_tail;
use crate::suite::Failure;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::fmt;
use tch::Tensor;

/// The false-alarm rate of the shuffled-labels test unless a rubric says otherwise.
pub const DEFAULT_LEAKAGE_ALPHA: f64 = 1e-3;

/// Options of [`shuffled_labels`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShuffledLabelOptions {
    /// False-alarm rate: leakage is flagged when the binomial tail is below it (default 1e-3).
    pub alpha: f64,
    /// Seed of the label permutation (printed in every message).
    pub seed: u64,
}

impl Default for ShuffledLabelOptions {
    fn default() -> Self {
        ShuffledLabelOptions { alpha: DEFAULT_LEAKAGE_ALPHA, seed: 0 }
    }
}

/// What the shuffled-labels test measured.
#[derive(Debug, Clone, PartialEq)]
pub struct LeakageReport {
    /// Held-out accuracy of the pipeline trained on shuffled labels, against the held-out shuffled labels.
    pub accuracy: f64,
    /// Chance level: the largest class share of the held-out shuffled labels.
    pub chance: f64,
    /// P[Bin(n, chance) ≥ correct] for the shuffled run.
    pub p_value: f64,
    /// Number of held-out samples.
    pub n: usize,
    /// Held-out accuracy of the positive control (true labels).
    pub control_accuracy: f64,
    /// P[Bin(n, p_max) ≥ correct] for the control, with p_max the largest class share of the true held-out labels.
    pub control_p_value: f64,
}

impl fmt::Display for LeakageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "shuffled labels: held-out accuracy {} (chance {}, p-value {:.3e}, n = {}); true labels: {} (p-value {:.3e})",
            percent(self.accuracy),
            percent(self.chance),
            self.p_value,
            self.n,
            percent(self.control_accuracy),
            self.control_p_value
        )
    }
}

/// A training pipeline: `(x_train, y_train, x_test) -> predicted labels` (one class index per row of `x_test`).
pub type Pipeline<'a> = dyn FnMut(&Tensor, &Tensor, &Tensor) -> Result<Tensor, Failure> + 'a;

/// Runs the shuffled-labels leakage test (see the [module docs](self) for
/// what is shuffled and why): trains `pipeline` on the true labels (the
/// positive control, which must beat chance at α), then on labels shuffled
/// under `options.seed` over all samples, and flags leakage when
/// `P[Bin(n, p_max) ≥ correct] < α` for the shuffled run. Labels are class
/// indices (one per row, any integer kind). A failure is
/// [`Failure::Wrong`] for the pipeline's fault (leakage, learning nothing,
/// unreadable predictions), [`Failure::Grader`] for inconsistent inputs.
///
/// ```
/// use gradwork::leakage::{shuffled_labels, ShuffledLabelOptions};
/// use gradwork::suite::Failure;
/// use tch::{Kind, Tensor};
///
/// // Two clusters; 1-nearest-neighbour classification.
/// let data = |n: i64, shift: f64| {
///     let y = Tensor::arange(n, (Kind::Int64, tch::Device::Cpu)).remainder(2);
///     let x = Tensor::linspace(-1.0, 1.0, n, (Kind::Double, tch::Device::Cpu)).view([n, 1])
///         .sin() * 0.3 + y.view([n, 1]).to_kind(Kind::Double) * 4.0 + shift;
///     (x, y)
/// };
/// let (x_train, y_train) = data(200, 0.0);
/// let (x_test, y_test) = data(100, 0.01);
/// let mut nearest = |xt: &Tensor, yt: &Tensor, xs: &Tensor| -> Result<Tensor, Failure> {
///     Ok(yt.index_select(0, &Tensor::cdist(xs, xt, 2.0, None).argmin(1, false)))
/// };
/// let report = shuffled_labels(&mut nearest, &x_train, &y_train, &x_test, &y_test,
///     &ShuffledLabelOptions { alpha: 1e-3, seed: 7 }).unwrap();
/// assert!(report.control_accuracy > 0.99 && report.accuracy < 0.75);
///
/// // The held-out set drawn from the training set: flagged.
/// let leak = shuffled_labels(&mut nearest, &x_train, &y_train, &x_train.narrow(0, 0, 100),
///     &y_train.narrow(0, 0, 100), &ShuffledLabelOptions::default()).unwrap_err();
/// assert!(format!("{leak:?}").contains("Held-out samples are reaching training"));
/// ```
pub fn shuffled_labels(
    pipeline: &mut Pipeline<'_>,
    x_train: &Tensor,
    y_train: &Tensor,
    x_test: &Tensor,
    y_test: &Tensor,
    options: &ShuffledLabelOptions,
) -> Result<LeakageReport, Failure> {
    let train_rows = Rows::new(x_train, "x_train", None)?;
    let test_rows = Rows::new(x_test, "x_test", None)?;
    if x_train.size()[1..] != x_test.size()[1..] {
        return Err(Failure::Grader(format!(
            "x_train has samples of shape {:?} but x_test of shape {:?}",
            &x_train.size()[1..],
            &x_test.size()[1..]
        )));
    }
    let true_train = labels("y_train", y_train, train_rows.n)?;
    let true_test = labels("y_test", y_test, test_rows.n)?;
    let n = true_test.len();
    if n == 0 {
        return Err(Failure::Grader("the shuffled-labels test needs at least one held-out sample".into()));
    }

    // Positive control: the true labels.
    let predicted = predictions(pipeline(x_train, y_train, x_test)?, n, "the true labels")?;
    let control_correct = correct(&predicted, &true_test);
    let control_chance = largest_share(&true_test);
    let control_p_value = binomial_tail(n as u64, control_correct as u64, control_chance);
    if control_p_value.is_nan() || control_p_value >= options.alpha {
        return Err(Failure::wrong(format!(
            "With the true labels the pipeline scores {} on held-out data ({control_correct} of {n}), no better \
             than chance ({}, the largest class share): P[Bin({n}, {}) ≥ {control_correct}] = {}, and beating \
             chance needs less than α = {}. A pipeline that learns nothing would pass a leakage test by \
             accident, so this one needs a pipeline that learns: does it train at all (the loss going down, the \
             optimizer stepping), and does it predict class indices 0..K−1 in the labels' order?",
            percent(control_correct as f64 / n as f64),
            percent(control_chance),
            num(control_chance),
            p_text(control_p_value),
            num(options.alpha),
        )));
    }

    // Shuffled labels: one permutation over distinct samples, training and held-out together.
    let ids = identities(&[&train_rows, &test_rows])?;
    let distinct = ids.iter().flatten().max().map_or(0, |m| m + 1);
    let mut label_of = vec![None; distinct];
    for (id, label) in ids.iter().flatten().zip(true_train.iter().chain(&true_test)) {
        label_of[*id].get_or_insert(*label);
    }
    let mut shuffled: Vec<i64> = label_of.into_iter().map(|l| l.unwrap_or(0)).collect();
    shuffled.shuffle(&mut StdRng::seed_from_u64(options.seed));
    let shuffled_train: Vec<i64> = ids[0].iter().map(|&id| shuffled[id]).collect();
    let shuffled_test: Vec<i64> = ids[1].iter().map(|&id| shuffled[id]).collect();
    let y_shuffled = Tensor::f_from_slice(&shuffled_train)
        .and_then(|t| t.f_to_device(y_train.device()))
        .map_err(|e| Failure::Grader(format!("could not build the shuffled labels: {e}")))?;
    let predicted = predictions(pipeline(x_train, &y_shuffled, x_test)?, n, "shuffled labels")?;
    let hits = correct(&predicted, &shuffled_test);
    let chance = largest_share(&shuffled_test);
    let p_value = binomial_tail(n as u64, hits as u64, chance);
    let report = LeakageReport {
        accuracy: hits as f64 / n as f64,
        chance,
        p_value,
        n,
        control_accuracy: control_correct as f64 / n as f64,
        control_p_value,
    };
    if p_value < options.alpha {
        return Err(Failure::wrong(format!(
            "Trained on shuffled labels, the pipeline should score chance on held-out data, but it scores {} \
             ({hits} of {n}; chance is {}, the largest class share). The labels were shuffled across all \
             samples (seed {}), so nothing a pipeline may learn from predicts a held-out sample's shuffled \
             label: P[Bin({n}, {}) ≥ {hits}] = {} < α = {}.\n\nHeld-out samples are reaching training. Check \
             that the held-out set shares no samples with the training set (disjoint indices, no duplicated \
             rows, no validation set drawn from the training data), and that the features do not collapse \
             each class onto the same sample. (With the true labels it scores {}.)",
            percent(report.accuracy),
            percent(chance),
            options.seed,
            num(chance),
            p_text(p_value),
            num(options.alpha),
            percent(report.control_accuracy),
        )));
    }
    Ok(report)
}

/// Class indices of a label tensor made by the grader.
fn labels(what: &str, y: &Tensor, n: usize) -> Result<Vec<i64>, Failure> {
    if y.size() != [n as i64] {
        return Err(Failure::Grader(format!("{what} has shape {:?}; expected [{n}], one label per sample", y.size())));
    }
    integers(y).map_err(|why| Failure::Grader(format!("{what}: {why}")))
}

/// The pipeline's predicted class indices.
fn predictions(y: Tensor, n: usize, run: &str) -> Result<Vec<i64>, Failure> {
    if y.size() != [n as i64] {
        let hint = match y.size().as_slice() {
            [rows, _] if *rows == n as i64 => " It looks like scores per class: take `argmax(-1, false)` of them.",
            _ => "",
        };
        return Err(Failure::wrong(format!(
            "Trained on {run}, the pipeline returned predictions of shape {:?}; expected [{n}], one class \
             index per held-out sample.{hint}",
            y.size()
        )));
    }
    integers(&y).map_err(|why| Failure::wrong(format!("Trained on {run}, the pipeline's predictions are not class indices: {why}.")))
}

/// The values of an integer-valued tensor.
fn integers(y: &Tensor) -> Result<Vec<i64>, String> {
    let data = crate::value::TensorData::from_tensor(y).map_err(|e| format!("the tensor cannot be read ({e})"))?;
    let values = data.values_f64();
    if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| v.fract() != 0.0 || !v.is_finite()) {
        return Err(format!("position {i} holds {}, not a whole number", num(*v)));
    }
    Ok(values.into_iter().map(|v| v as i64).collect())
}

fn correct(predicted: &[i64], labels: &[i64]) -> usize {
    predicted.iter().zip(labels).filter(|(p, l)| p == l).count()
}

/// The largest class share of `labels` (the accuracy of always guessing the commonest class).
fn largest_share(labels: &[i64]) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for l in labels {
        *counts.entry(*l).or_insert(0usize) += 1;
    }
    counts.values().copied().max().unwrap_or(0) as f64 / labels.len().max(1) as f64
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn p_text(p: f64) -> String {
    if p >= 1e-3 {
        num(p)
    } else if p > 0.0 {
        format!("{p:.2e}")
    } else {
        "< 1e-300".into()
    }
}
