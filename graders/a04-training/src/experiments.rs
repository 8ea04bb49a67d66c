//! Exercises 22–24: the experiments, judged by what they must show: Adam
//! and SGD both learn the moons at sensible rates and a tiny rate learns far
//! slower; an L1 penalty helps when most of 1000 features are noise; polar
//! features make the circles linearly separable.

use crate::oracle;
use crate::wire::{self, at, history, list, Curves};
use gradwork::compare::num;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

pub fn sgd_vs_adam(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let (x, y) = oracle::moons(1000, 0.2);
    let settings = [("sgd", 0.2), ("adam", 0.01), ("adam", 1e-4)];
    let epochs = 30i64;
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let args = vec![
        Value::arg(&x),
        Value::arg(&y),
        Value::List(settings.iter().map(|(o, lr)| Value::List(vec![(*o).into(), (*lr).into()])).collect()),
        epochs.into(),
        seed.into(),
    ];
    let what = format!("`optimizer_study` on 1000 noisy moons with settings {settings:?}, {epochs} epochs");
    let out = wire::call_ok(ctx, &what, "optimizer_study", args)?;
    let runs: Vec<Curves> = list(at(&out, 0)?)?.iter().map(history).collect::<Result<_, _>>()?;
    if runs.len() != settings.len() {
        return Err(Failure::wrong(format!("{what} returned {} histories; expected {}, one per setting, in order.", runs.len(), settings.len())));
    }
    for run in &runs {
        run.require_epochs(&what, epochs)?;
    }
    crate::curves::attach_study(ctx, "sgd-vs-adam", &settings.iter().map(|(o, lr)| format!("{o} lr {lr}")).collect::<Vec<_>>(), &runs);
    for ((name, lr), run, threshold) in [(settings[0], &runs[0], 0.85), (settings[1], &runs[1], 0.9)] {
        if !(run.best_acc() >= threshold) {
            return Err(Failure::wrong(format!(
                "In {what}, {name} at lr {lr} reached a best validation accuracy of {}; a working setup reaches at least {threshold}. \
                 Use the optimiser and the learning rate of each setting (`TrainConfig {{ optimizer, lr, .. }}`), a fresh model per setting.",
                num(run.best_acc())
            )));
        }
    }
    let fast = runs[1].best().map(|b| b.1).unwrap_or(f64::NAN);
    let slow = runs[2].val_loss[epochs as usize - 1];
    if !(slow >= 1.5 * fast) {
        return Err(Failure::wrong(format!(
            "In {what}, Adam at lr 1e-4 ended with validation loss {} and Adam at lr 0.01 reached {}: the tiny rate should still be far \
             behind after {epochs} epochs (at least 1.5 times the loss). Is each setting's learning rate passed on to its optimiser?",
            num(slow),
            num(fast)
        )));
    }
    Ok(())
}

/// Data for the L1 study: only the first 5 of `d` features matter.
fn sparse_data(d: i64) -> (Tensor, Tensor) {
    let x = Tensor::randn([500, d], (Kind::Float, Device::Cpu));
    let signs = Tensor::randint(2, [5], (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
    let magnitude = Tensor::rand([5], (Kind::Float, Device::Cpu)) + 1.0;
    let w = Tensor::cat(&[signs * magnitude, Tensor::zeros([d - 5], (Kind::Float, Device::Cpu))], 0);
    let y = x.matmul(&w).unsqueeze(1) + Tensor::randn([500, 1], (Kind::Float, Device::Cpu)) * 0.1;
    (x, y)
}

/// The L1 study's settings: (λ, epochs, lr).
const L1: (f64, i64, f64) = (1e-2, 300, 5e-2);

pub fn l1_high_dim(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let (lambda, epochs, lr) = L1;
    let mut finals = Vec::new();
    for d in [10i64, 1000] {
        let (x, y) = sparse_data(d);
        let what = format!("`l1_study(x, y, 400, {lambda}, {epochs}, {lr})` with d = {d} features (5 of them informative)");
        let out = wire::call_ok(ctx, &what, "l1_study", vec![Value::arg(&x), Value::arg(&y), 400i64.into(), lambda.into(), epochs.into(), lr.into()])?;
        let curves: Vec<Vec<f64>> = (0..4).map(|i| wire::floats(at(&out, i)?)).collect::<Result<_, _>>()?;
        for (i, c) in curves.iter().enumerate() {
            if c.len() as i64 != epochs {
                return Err(Failure::wrong(format!("{what}: curve {} has {} entries for {epochs} epochs.", i + 1, c.len())));
            }
        }
        crate::curves::attach_l1(ctx, &format!("l1-d{d}"), &curves);
        finals.push((d, curves[1][epochs as usize - 1], curves[3][epochs as usize - 1], what));
    }
    let (_, plain10, l1_10, what10) = &finals[0];
    if !(*plain10 < 0.05 && *l1_10 < 0.1) {
        return Err(Failure::wrong(format!(
            "{what10} ended with validation MSE {} without L1 and {} with it; with 10 features and 400 samples both fits should \
             get close to the noise level (0.01). Check `fit_regression` (its losses are means over samples) and that `l1_study` trains on the first 400 rows and validates on the rest.",
            num(*plain10),
            num(*l1_10)
        )));
    }
    let (_, plain, l1, what) = &finals[1];
    if !(*l1 < 0.5 * *plain) {
        return Err(Failure::wrong(format!(
            "{what} ended with validation MSE {} without L1 and {} with it. With 1000 features and only 400 samples the plain fit \
             uses the noise features to memorise the training set; the L1 penalty pushes their weights to 0 and should at least \
             halve the validation error. Is the penalty `l1 · Σ|w|` added to the loss before `backward()`, only in the second fit?",
            num(*plain),
            num(*l1)
        )));
    }
    Ok(())
}

pub fn polar_circles(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let (x, y) = oracle::circles(600, 0.1, 0.4);
    let (epochs, lr) = (15i64, 1e-1);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let mut best = Vec::new();
    for polar in [true, false] {
        let what = format!("`polar_study(circles, polar = {polar}, {epochs}, {lr}, {seed})`");
        let out = wire::call_ok(ctx, &what, "polar_study", vec![Value::arg(&x), Value::arg(&y), polar.into(), epochs.into(), lr.into(), seed.into()])?;
        let run = history(at(&out, 0)?)?;
        run.require_epochs(&what, epochs)?;
        best.push(run.best_acc());
    }
    if !(best[0] >= 0.95) {
        return Err(Failure::wrong(format!(
            "A linear classifier on the polar features (r, θ) of 600 noisy circles reached a best validation accuracy of {}: the radius \
             alone separates the two circles, so it should reach at least 0.95. Check `to_polar` and that `polar_study` trains on \
             `to_polar(x)` when `polar` is true.",
            num(best[0])
        )));
    }
    if !(best[1] <= 0.8) {
        return Err(Failure::wrong(format!(
            "A linear classifier on the raw coordinates of the circles reached {}: no straight line separates two concentric circles, \
             so it should stay far below the polar version. Does `polar_study` use the raw x when `polar` is false?",
            num(best[1])
        )));
    }
    Ok(())
}

pub fn experiments_other_data(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    // The optimiser study on data that is not the moons: 3 features, 3 classes.
    let (n, d, classes) = (300i64, 3i64, 3i64);
    // Centres 3·√2 apart with noise 0.5: the classes do not overlap.
    let centres = Tensor::eye(classes, (Kind::Float, Device::Cpu)) * 3.0;
    let labels: Vec<i64> = (0..n).map(|i| i % classes).collect();
    let y = Tensor::from_slice(&labels);
    let x = centres.index_select(0, &y) + Tensor::randn([n, d], (Kind::Float, Device::Cpu)) * 0.5;
    let (epochs, seed) = (10i64, ctx.rng().random_range(0..1_000_000i64));
    let what = format!("`optimizer_study` on {n} samples with {d} features and {classes} classes (well-separated blobs), setting [(\"adam\", 0.02)], {epochs} epochs");
    let settings = Value::List(vec![Value::List(vec!["adam".into(), 0.02.into()])]);
    let out = wire::call_ok(ctx, &what, "optimizer_study", vec![Value::arg(&x), Value::arg(&y), settings, epochs.into(), seed.into()])?;
    let runs: Vec<Curves> = list(at(&out, 0)?)?.iter().map(history).collect::<Result<_, _>>()?;
    if runs.len() != 1 {
        return Err(Failure::wrong(format!("{what} returned {} histories; expected 1, one per setting.", runs.len())));
    }
    runs[0].require_epochs(&what, epochs)?;
    if !(runs[0].best_acc() >= 0.9) {
        return Err(Failure::wrong(format!(
            "{what} reached a best validation accuracy of {}; blobs this far apart are learned to at least 0.9. The model takes as many \
             features as x has columns and predicts as many classes as the largest label + 1: nothing of the moons is fixed.",
            num(runs[0].best_acc())
        )));
    }
    // The L1 study with other sizes: the first n_train rows train, the rest
    // validate. The validation rows are shifted by 5, so a fit of the training
    // rows is off by 5 on them (MSE about 25), and a mix of rows fits neither.
    let (rows, n_train, d) = (120i64, ctx.rng().random_range(70..100i64), 5i64);
    let x = Tensor::randn([rows, d], (Kind::Float, Device::Cpu));
    let w = Tensor::randn([d, 1], (Kind::Float, Device::Cpu));
    let shift = Tensor::cat(&[Tensor::zeros([n_train, 1], (Kind::Float, Device::Cpu)), Tensor::full([rows - n_train, 1], 5.0, (Kind::Float, Device::Cpu))], 0);
    let y = x.matmul(&w) + shift + Tensor::randn([rows, 1], (Kind::Float, Device::Cpu)) * 0.1;
    let (lambda, epochs, lr) = (1e-3, 150i64, 5e-2);
    let what = format!("`l1_study(x, y, {n_train}, {lambda}, {epochs}, {lr})` with x of shape [{rows}, {d}] and y of shape [{rows}, 1]");
    let out = wire::call_ok(ctx, &what, "l1_study", vec![Value::arg(&x), Value::arg(&y), n_train.into(), lambda.into(), epochs.into(), lr.into()])?;
    let curves: Vec<Vec<f64>> = (0..4).map(|i| wire::floats(at(&out, i)?)).collect::<Result<_, _>>()?;
    for (i, c) in curves.iter().enumerate() {
        if c.len() as i64 != epochs {
            return Err(Failure::wrong(format!("{what}: curve {} has {} entries for {epochs} epochs.", i + 1, c.len())));
        }
    }
    for (fit, train, val) in [("without L1", &curves[0], &curves[1]), ("with L1", &curves[2], &curves[3])] {
        let (t, v) = (train[epochs as usize - 1], val[epochs as usize - 1]);
        if !(t < 0.5 && (15.0..40.0).contains(&v)) {
            return Err(Failure::wrong(format!(
                "{what}: the fit {fit} ended with training MSE {} and validation MSE {}. The grader shifted the validation rows by 5, so a \
                 fit of the first {n_train} rows reaches about 0.01 on them and about 25 on the other {} rows. Train on the first \
                 `n_train` rows (`x.narrow(0, 0, n_train)`), validate on the rest (`x.narrow(0, n_train, n - n_train)`), in that order.",
                num((t * 1e4).round() / 1e4),
                num((v * 1e3).round() / 1e3),
                rows - n_train
            )));
        }
    }
    Ok(())
}

// BEGIN HIDDEN
/// The rows of each part of `split_dataset(n rows, [70, 15, 15], seed)`, in
/// the order the part holds them, from the student's own split: the grader
/// splits rows whose one feature is their index.
fn split_rows(ctx: &mut Ctx, n: i64, seed: i64) -> Result<Vec<Vec<i64>>, Failure> {
    let x = Tensor::arange(n, (Kind::Float, Device::Cpu)).view([n, 1]);
    let y = Tensor::zeros([n], (Kind::Int64, Device::Cpu));
    let what = format!("`split_dataset(dataset of {n} samples, &[70, 15, 15], {seed})`");
    let out = wire::call_ok(ctx, &what, "split_dataset", vec![Value::arg(&x), Value::arg(&y), vec![70i64, 15, 15].into(), seed.into()])?;
    let parts = list(at(&out, 0)?)?;
    if parts.len() != 3 {
        return Err(Failure::wrong(format!("{what} returned {} parts; expected 3. The studies split their data with it.", parts.len())));
    }
    parts.iter().map(|p| Ok(wire::floats(at(list(p)?, 0)?)?.into_iter().map(|v| v as i64).collect())).collect()
}

/// `labels` with the rows of `part` set to `values` (one per row, in order).
fn set_rows(labels: &Tensor, part: &[i64], values: &Tensor) -> Tensor {
    labels.index_copy(0, &Tensor::from_slice(part), values)
}

/// One study's history: `optimizer_study` with one setting, or `polar_study` on the raw coordinates.
fn study(ctx: &mut Ctx, which: Study, x: &Tensor, y: &Tensor, epochs: i64, seed: i64) -> Result<(String, Curves), Failure> {
    let (what, out) = match which {
        Study::Optimizer(name, lr) => {
            let what = format!("`optimizer_study(data, &[({name}, {lr})], {epochs}, {seed})`");
            let settings = Value::List(vec![Value::List(vec![name.into(), lr.into()])]);
            let out = wire::call_ok(ctx, &what, "optimizer_study", vec![Value::arg(x), Value::arg(y), settings, epochs.into(), seed.into()])?;
            let runs = list(at(&out, 0)?)?;
            if runs.len() != 1 {
                return Err(Failure::wrong(format!("{what} returned {} histories; expected 1, one per setting.", runs.len())));
            }
            (what, history(&runs[0])?)
        }
        Study::Polar(lr) => {
            let what = format!("`polar_study(x, y, polar = false, {epochs}, {lr}, {seed})`");
            let out = wire::call_ok(ctx, &what, "polar_study", vec![Value::arg(x), Value::arg(y), false.into(), epochs.into(), lr.into(), seed.into()])?;
            (what, history(at(&out, 0)?)?)
        }
    };
    out.require_epochs(&what, epochs)?;
    Ok((what, out))
}

/// Which study a part of `studies-split-parts` runs.
#[derive(Clone, Copy)]
enum Study {
    /// `optimizer_study` with one `(optimizer, lr)` setting.
    Optimizer(&'static str, f64),
    /// `polar_study` on the raw coordinates at this rate.
    Polar(f64),
}
// END HIDDEN

/// The highest best validation loss, and last-epoch training loss, a study
/// with shuffled batches may reach in part 2 of `studies-split-parts` (ln 2 ≈
/// 0.69 is a model at 1/2).
const SHUFFLE_LOSS_LIMIT: f64 = 1.05;

pub fn studies_split_parts(ctx: &mut Ctx) -> Result<(), Failure> {
    oracle::seed_torch(ctx);
    let n = 2000i64;
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let parts = split_rows(ctx, n, seed)?;
    let opts = (Kind::Float, Device::Cpu);
    let label = |condition: Tensor| condition.to_kind(Kind::Int64);
    // 1. Which rows train and which validate. The training part follows one
    //    rule (the sign of x₁), the validation part its opposite, the test
    //    part another one (the sign of x₂). Trained on parts[0] and
    //    validated on parts[1], a model scores near 0; validated on the rows
    //    it trained on, near 1; on the test part or trained on it, near 1/2.
    let raw = Tensor::randn([n, 2], opts);
    let x = raw.sign() * (raw.abs() + 0.5);
    let (by_x1, by_x2) = (label(x.select(1, 0).gt(0.0)), label(x.select(1, 1).gt(0.0)));
    let index = |part: &[i64]| Tensor::from_slice(part);
    let y = set_rows(&by_x1, &parts[1], &(1 - by_x1.index_select(0, &index(&parts[1]))));
    let y = set_rows(&y, &parts[2], &by_x2.index_select(0, &index(&parts[2])));
    for which in [Study::Optimizer("adam", 1e-2), Study::Polar(1e-1)] {
        let (what, run) = study(ctx, which, &x, &y, 3, seed)?;
        let last = run.val_acc[run.val_acc.len() - 1];
        if !(last <= 0.2) {
            let why = if last >= 0.8 {
                "so it validated on rows labelled like its training rows: on parts[0], the rows it trained on, or it trained on parts[1], \
                 the validation part"
            } else {
                "so it validated on rows labelled by another rule, or trained on them: parts[2], the test part"
            };
            return Err(Failure::wrong(format!(
                "{what} on {n} samples whose validation part (parts[1] of `split_dataset(data, &[70, 15, 15], {seed})`) the grader labelled \
                 against the rule of the training part (parts[0]): a study that trains on parts[0] and validates on parts[1] ends near \
                 validation accuracy 0 there. It ended at {}, {why}. Train on `parts[0]` and validate on `parts[1]`.",
                num(last)
            )));
        }
    }
    // 2. Shuffled training batches. The features are noise and every
    //    validation label is 0; the training part, in the split's order,
    //    holds its class-0 rows first and then its class-1 rows. Shuffled,
    //    each batch mixes both classes and the model stays near 1/2: both the
    //    best validation loss and the last epoch's training loss stay near
    //    ln 2. Unshuffled, every epoch is a run of class-0 batches and then a
    //    run of class-1 batches: the model swings from one to the other and
    //    ends each epoch saying 1 (the MLP's validation loss goes above 2;
    //    the linear model's training loss stays above 1.2). Over 7 seeds the
    //    reference's larger of the two is at most 0.82, the unshuffled
    //    loaders' at least 1.25.
    let x = Tensor::randn([n, 2], opts);
    let train = &parts[0];
    let cut = train.len() / 2;
    let ordered: Vec<i64> = (0..train.len()).map(|i| i64::from(i >= cut)).collect();
    let y = set_rows(&Tensor::zeros([n], (Kind::Int64, Device::Cpu)), train, &Tensor::from_slice(&ordered));
    let y = set_rows(&y, &parts[2], &Tensor::arange(parts[2].len() as i64, (Kind::Int64, Device::Cpu)).remainder(2));
    for which in [Study::Optimizer("sgd", 0.5), Study::Polar(0.5)] {
        let (what, run) = study(ctx, which, &x, &y, 3, seed)?;
        let best = run.best().map_or(f64::NAN, |b| b.1);
        let last = run.train_loss.last().copied().unwrap_or(f64::NAN);
        if !(best < SHUFFLE_LOSS_LIMIT && last < SHUFFLE_LOSS_LIMIT) {
            return Err(Failure::wrong(format!(
                "{what} on {n} samples of noise (every validation label 0) whose training part, in the order `split_dataset` gives \
                 it, holds its class-0 rows first and then its {} class-1 rows reached a best validation loss of {} and a last-epoch \
                 training loss of {}; with shuffled batches both stay near ln 2 = 0.69 (the limit is {SHUFFLE_LOSS_LIMIT}). Without \
                 shuffling, every epoch is a run of class-0 batches and then a run of class-1 batches, and the model swings from one \
                 class to the other. Make the training loader with `shuffle: true` and `seed`, so that every epoch draws a new order. (A \
                 training loop that never zeroes its gradients swings the same way: see the checks of `train_epoch`.)",
                train.len() - cut,
                num(best),
                num(last)
            )));
        }
    }
    Ok(())
}
