//! Exercises 6 and 7: two sanity checks that expose leaks between training and
//! testing.

#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// What the shuffled-labels sanity check found about a pipeline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SanityReport {
    /// Test accuracy after training on shuffled training labels.
    pub shuffled_accuracy: f64,
    /// Test accuracy after training on the true training labels (the positive control).
    pub control_accuracy: f64,
    /// Share of the most common class among the test labels: what always guessing it scores.
    pub chance: f64,
    /// `chance + 3·sqrt(chance·(1 − chance) / m)` for m test labels: an accuracy
    /// above it is very unlikely (about 1 in 1000) to be luck.
    pub threshold: f64,
    /// `shuffled_accuracy > threshold`: the pipeline beats chance without real
    /// labels, so it gets the answers some other way — a leak.
    pub leaky: bool,
    /// `control_accuracy > threshold`: with the real labels the pipeline learns
    /// something (otherwise a "no leak" verdict means nothing).
    pub learns: bool,
}

/// Exercise 7: the shuffled-labels sanity check.
///
/// `pipeline(x_train, y_train, x_test)` trains a model on the training data
/// and returns its predicted labels for `x_test`. Run it twice: once with
/// `y_train` shuffled (a random permutation from `tch::manual_seed(seed)`), and
/// once with the true `y_train`. Score both predictions against `y_test` and
/// fill in the report. The same seed gives the same report.
pub fn shuffled_label_check(
    pipeline: &mut dyn FnMut(&Tensor, &Tensor, &Tensor) -> Tensor,
    x_train: &Tensor,
    y_train: &Tensor,
    x_test: &Tensor,
    y_test: &Tensor,
    seed: i64,
) -> SanityReport {
    // BEGIN SOLUTION: permute y_train, run the pipeline with shuffled and true labels, compare with chance
    tch::manual_seed(seed);
    let order = Tensor::randperm(y_train.size()[0], (Kind::Int64, y_train.device()));
    let shuffled = y_train.index_select(0, &order);
    let score = |predicted: Tensor| predicted.eq_tensor(y_test).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]);
    let shuffled_accuracy = score(pipeline(x_train, &shuffled, x_test));
    let control_accuracy = score(pipeline(x_train, y_train, x_test));
    let m = y_test.size()[0] as f64;
    let chance = y_test.bincount(None::<Tensor>, 0).max().double_value(&[]) / m;
    let threshold = chance + 3.0 * (chance * (1.0 - chance) / m).sqrt();
    SanityReport {
        shuffled_accuracy,
        control_accuracy,
        chance,
        threshold,
        leaky: shuffled_accuracy > threshold,
        learns: control_accuracy > threshold,
    }
    // END SOLUTION
}

/// Exercise 6: the overlap check. Returns, in increasing order, the indices
/// of the rows of `test` that have a near-copy in `train`: a row of `train`
/// whose every entry is within `tol` of the test row's. Rows are indexed by
/// the first dimension, whatever the shape of a row (an image (1, 16, 16)
/// counts as one row of 256 entries). Each index appears once, even when
/// several training rows are near-copies of the same test row. With no
/// training rows, no test row has a near-copy.
pub fn near_duplicates(train: &Tensor, test: &Tensor, tol: f64) -> Vec<i64> {
    // BEGIN SOLUTION: the largest entry-wise difference of every test row to every train row
    let (n_train, n_test) = (train.size()[0], test.size()[0]);
    if n_train == 0 || n_test == 0 {
        return Vec::new();
    }
    let a = test.reshape([n_test, -1]).to_kind(Kind::Double);
    let b = train.reshape([n_train, -1]).to_kind(Kind::Double);
    let closest = Tensor::cdist(&a, &b, f64::INFINITY, None::<i64>).amin(1, false);
    Vec::<i64>::try_from(closest.le(tol).nonzero().view([-1])).unwrap_or_default()
    // END SOLUTION
}
