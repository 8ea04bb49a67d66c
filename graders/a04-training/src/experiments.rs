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
