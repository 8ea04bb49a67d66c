//! Exercise 5 and 4: the split, judged by the harness's split-integrity and
//! duplicate checks, and the training pipeline, judged by the harness's
//! shuffled-labels test.

use crate::images;
use gradwork::compare::num;
use gradwork::outputs;
use gradwork::leakage::{duplicates_across_splits, shuffled_labels, split_integrity, ShuffledLabelOptions};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

// BEGIN HIDDEN
/// Held-out accuracy `train_and_predict` must reach when its training images
/// come sorted by class (the reference: see the rubric).
const SORTED_ACCURACY: f64 = 0.9;
// END HIDDEN

/// Calls `split_indices(n, seed)`: (train, val, test).
fn split(ctx: &mut Ctx, n: i64, seed: i64) -> Result<[Vec<i64>; 3], Failure> {
    let out = ctx.call_one("split_indices", vec![n.into(), seed.into()])?;
    let parts = outputs::list_of_len(&out, "the split", 3)?;
    Ok([outputs::ints(&parts[0], "train")?, outputs::ints(&parts[1], "val")?, outputs::ints(&parts[2], "test")?])
}

pub fn split_check(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let other = ctx.rng().random_range(1..1000i64);
    let random_n = ctx.rng().random_range(21..400i64);
    for n in [200i64, random_n] {
        let [train, val, test] = split(ctx, n, seed)?;
        let sizes = [(70 * n / 100) as usize, (15 * n / 100) as usize, (n - 70 * n / 100 - 15 * n / 100) as usize];
        split_integrity(n as usize, &[("train", train.clone()), ("val", val.clone()), ("test", test.clone())], Some(&sizes))
            .map_err(|f| with_context(f, &format!("`split_indices({n}, {seed})`")))?;
        let again = split(ctx, n, seed)?;
        if again != [train.clone(), val.clone(), test.clone()] {
            return Err(Failure::wrong(format!(
                "`split_indices({n}, {seed})` gave a different split when called again with the same seed. Seed \
                 libtorch's generator with `tch::manual_seed(seed)` right before drawing the permutation, so \
                 the split is reproducible."
            )));
        }
        let changed = split(ctx, n, seed + other)?;
        if changed == [train.clone(), val, test] {
            return Err(Failure::wrong(format!(
                "`split_indices({n}, {seed})` and `split_indices({n}, {})` gave the same split: the seed must \
                 change the shuffle. Draw the permutation with libtorch after `tch::manual_seed(seed)`.",
                seed + other
            )));
        }
        if train.windows(2).all(|w| w[0] < w[1]) {
            return Err(Failure::wrong(format!(
                "The training indices of `split_indices({n}, {seed})` are in increasing order: the split is not \
                 shuffled, so the splits are blocks of the dataset's order. Cut a random permutation of 0..n."
            )));
        }
    }
    // The harness's content check on the student's split of the grader's images.
    let (x, _) = images::honest(200, ctx.seed());
    let [train, val, test] = split(ctx, 200, seed)?;
    duplicates_across_splits(&x, &[("train", train), ("val", val), ("test", test)], Some(6))
}

fn with_context(failure: Failure, call: &str) -> Failure {
    match failure {
        Failure::Wrong(message) => Failure::Wrong(format!("The split of {call} is wrong. {message}")),
        other => other,
    }
}

pub fn pipeline(ctx: &mut Ctx) -> Result<(), Failure> {
    const N_TRAIN: i64 = 300;
    const N_TEST: i64 = 200;
    const EPOCHS: i64 = 4;
    let (x, y) = images::honest(N_TRAIN + N_TEST, ctx.seed());
    let (x_train, y_train) = (x.narrow(0, 0, N_TRAIN), y.narrow(0, 0, N_TRAIN));
    let (x_test, y_test) = (x.narrow(0, N_TRAIN, N_TEST), y.narrow(0, N_TRAIN, N_TEST));
    let options = ShuffledLabelOptions { alpha: 1e-3, seed: ctx.seed() };
    let mut run = |xt: &Tensor, yt: &Tensor, xs: &Tensor| -> Result<Tensor, Failure> {
        ctx.call_tensor("train_and_predict", vec![Value::arg(xt), Value::arg(yt), Value::arg(xs), EPOCHS.into()])
    };
    shuffled_labels(&mut run, &x_train, &y_train, &x_test, &y_test, &options).map(|_| ()).map_err(|f| match f {
        Failure::Wrong(message) => Failure::Wrong(format!(
            "The grader ran the harness's shuffled-labels test on `train_and_predict` ({N_TRAIN} training and \
             {N_TEST} held-out dot/ring images, {EPOCHS} epochs). {message}"
        )),
        other => other,
    })
}

pub fn split_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    // Every n from 1 to 12 (the smallest splits, with empty parts), then n
    // drawn from the seed: sizes computed with floating point or rounding
    // go wrong on some of them.
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let mut sizes: Vec<i64> = (1..=12).collect();
    sizes.extend((0..24).map(|_| ctx.rng().random_range(13..3000i64)));
    for n in sizes {
        let [train, val, test] = split(ctx, n, seed)?;
        let want = [(70 * n / 100) as usize, (15 * n / 100) as usize, (n - 70 * n / 100 - 15 * n / 100) as usize];
        split_integrity(n as usize, &[("train", train), ("val", val), ("test", test)], Some(&want)).map_err(|f| {
            with_context(
                f,
                &format!(
                    "`split_indices({n}, {seed})` (for n = {n}: {} train = 70·{n}/100, {} validation = 15·{n}/100 in \
                     integer arithmetic, {} test: the rest)",
                    want[0], want[1], want[2]
                ),
            )
        })?;
    }
    Ok(())
}

pub fn pipeline_sorted(ctx: &mut Ctx) -> Result<(), Failure> {
    // Training images sorted by class, dots first: mini-batches taken in the
    // given order end every epoch on rings only, and the model forgets dots.
    const N_TRAIN: i64 = 400;
    const N_TEST: i64 = 200;
    const EPOCHS: i64 = 3;
    let (x, y) = images::honest(N_TRAIN + N_TEST, ctx.seed());
    let (x_train, y_train) = (x.narrow(0, 0, N_TRAIN), y.narrow(0, 0, N_TRAIN));
    let (x_test, y_test) = (x.narrow(0, N_TRAIN, N_TEST), y.narrow(0, N_TRAIN, N_TEST));
    let order = y_train.argsort(0, false);
    let labels: Vec<i64> = Vec::try_from(&y_train.index_select(0, &order)).unwrap_or_default();
    let sorted = labels.windows(2).all(|w| w[0] <= w[1]);
    if !sorted {
        return Err(Failure::Grader("could not sort the training images by class".into()));
    }
    let (x_sorted, y_sorted) = (x_train.index_select(0, &order), y_train.index_select(0, &order));
    let args = vec![Value::arg(&x_sorted), Value::arg(&y_sorted), Value::arg(&x_test), EPOCHS.into()];
    let predicted = ctx.call_tensor("train_and_predict", args)?;
    if predicted.size() != [N_TEST] {
        return Err(Failure::wrong(format!(
            "`train_and_predict` returned predictions of shape {:?} for {N_TEST} test images; expected [{N_TEST}].",
            predicted.size()
        )));
    }
    let right = predicted.to_kind(tch::Kind::Int64).eq_tensor(&y_test).sum(tch::Kind::Int64).int64_value(&[]);
    let accuracy = right as f64 / N_TEST as f64;
    if accuracy >= SORTED_ACCURACY {
        return Ok(());
    }
    let dots = labels.iter().filter(|&&l| l == 0).count();
    Err(Failure::wrong(format!(
        "The grader gave `train_and_predict` {N_TRAIN} training images sorted by class ({dots} dots first, then \
         {} rings), {EPOCHS} epochs, and {N_TEST} held-out images: it classified {right} of them right ({}; it must \
         reach {SORTED_ACCURACY}, and does with the same images in random order). Taken in the given order, every \
         epoch ends on batches of rings only. Shuffle: draw a new order of the training images every epoch \
         (`Tensor::randperm`) and cut it into mini-batches. (If it does shuffle, see whether it learns at all: \
         the shuffled-labels check trains it on images in random order.)",
        N_TRAIN as usize - dots,
        num((accuracy * 1000.0).round() / 1000.0)
    )))
}
