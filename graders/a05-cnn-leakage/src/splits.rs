//! Exercise 5 and 4: the split, judged by the harness's split-integrity and
//! duplicate checks, and the training pipeline, judged by the harness's
//! shuffled-labels test.

use crate::images;
use gradwork::outputs;
use gradwork::leakage::{duplicates_across_splits, shuffled_labels, split_integrity, ShuffledLabelOptions};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

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
