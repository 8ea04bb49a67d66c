//! Exercise 7 (Stack G 2 and 3): the two sweeps, judged by the trends that
//! hold over seeds (see rubric.toml): every setting learns the moons, and
//! the strongest regularisation fits the training data least. Validation
//! accuracy per setting is plotted; its small differences are left to the
//! student's reading, since they change from seed to seed.

use gradwork::compare::{num, CompareOptions, Tolerance};
use gradwork::outputs;
use gradwork::plot::{self, LinePlot, Series};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use std::fmt::Write as _;
use tch::nn;
use tch::{Device, Kind, Tensor};

/// One setting's results.
struct Point {
    setting: f64,
    train_loss: f64,
    train_accuracy: f64,
    val_accuracy: f64,
}

/// Points per data set, of which the first `TRAIN` train.
const POINTS: i64 = 400;
const TRAIN: i64 = 240;
/// How every run trains (the notebook's Adam rate; fewer epochs).
const EPOCHS: i64 = 100;
const BATCH: i64 = 64;
const LR: f64 = 5e-3;
/// Every setting must reach this validation accuracy.
pub const MIN_VAL_ACCURACY: f64 = 0.8;

/// Noisy moons (noise 0.25), shuffled, from the check's seed.
fn moons(seed: i64) -> (Tensor, Tensor) {
    gradwork::torch_rng::manual_seed(seed);
    let opts = (Kind::Float, Device::Cpu);
    let (n0, n1) = (POINTS / 2, POINTS - POINTS / 2);
    let t0 = Tensor::linspace(0.0, std::f64::consts::PI, n0, opts);
    let t1 = Tensor::linspace(0.0, std::f64::consts::PI, n1, opts);
    let x = Tensor::cat(&[Tensor::stack(&[t0.cos(), t0.sin()], 1), Tensor::stack(&[1.0 - t1.cos(), 0.5 - t1.sin()], 1)], 0) + Tensor::randn([POINTS, 2], opts) * 0.25;
    let y = Tensor::cat(&[Tensor::zeros([n0], (Kind::Int64, Device::Cpu)), Tensor::ones([n1], (Kind::Int64, Device::Cpu))], 0);
    let order = Tensor::randperm(POINTS, (Kind::Int64, Device::Cpu));
    (x.index_select(0, &order), y.index_select(0, &order))
}

/// A sweep's data and seed, drawn from the check's seed.
struct Task {
    seed: i64,
    x_train: Tensor,
    y_train: Tensor,
    x_val: Tensor,
    y_val: Tensor,
}

impl Task {
    fn draw(ctx: &mut Ctx) -> Task {
        let data_seed = ctx.rng().random_range(0..1_000_000i64);
        let seed = ctx.rng().random_range(0..1_000_000i64);
        let (x, y) = moons(data_seed);
        Task {
            seed,
            x_train: x.narrow(0, 0, TRAIN),
            y_train: y.narrow(0, 0, TRAIN),
            x_val: x.narrow(0, TRAIN, POINTS - TRAIN),
            y_val: y.narrow(0, TRAIN, POINTS - TRAIN),
        }
    }

    /// Calls the student's sweep `function` over `settings` with `epochs` epochs.
    fn sweep(&self, ctx: &mut Ctx, function: &str, settings: &[f64], epochs: i64) -> Result<(Vec<Point>, String), Failure> {
        let args = vec![
            Value::arg(&self.x_train),
            Value::arg(&self.y_train),
            Value::arg(&self.x_val),
            Value::arg(&self.y_val),
            Value::List(settings.iter().map(|&s| s.into()).collect()),
            epochs.into(),
            BATCH.into(),
            LR.into(),
            self.seed.into(),
        ];
        let what = format!(
            "`{function}` of {settings:?} ({TRAIN} training and {} validation moons with noise 0.25, {epochs} epochs, batches of {BATCH}, lr {LR}, seed {})",
            POINTS - TRAIN,
            self.seed
        );
        let rows = match ctx.call_one(function, args)? {
            Value::List(rows) => rows,
            other => return Err(Failure::Grader(format!("the runner sent {} for the sweep", other.type_name()))),
        };
        let points: Vec<Point> = rows
            .iter()
            .map(|r| {
                let v = outputs::floats(r, "a sweep point")?;
                Ok(Point { setting: v[0], train_loss: v[1], train_accuracy: v[2], val_accuracy: v[3] })
            })
            .collect::<Result<_, Failure>>()?;
        if points.len() != settings.len() || points.iter().zip(settings).any(|(p, s)| p.setting != *s) {
            return Err(Failure::wrong(format!(
                "{what} returned the settings {:?}; expected one point per setting, in order: {settings:?}.",
                points.iter().map(|p| p.setting).collect::<Vec<_>>()
            )));
        }
        Ok((points, what))
    }

    /// The scores of the network a run starts from: the given `Mlp::new`
    /// (libtorch's default initialisation, fc1, fc2, fc3 in order) drawn
    /// right after `manual_seed(seed)`, in evaluation mode (no dropout).
    fn untrained_scores(&self) -> [f64; 3] {
        gradwork::torch_rng::manual_seed(self.seed);
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let fc1 = nn::linear(&root / "fc1", 2, 64, Default::default());
        let fc2 = nn::linear(&root / "fc2", 64, 64, Default::default());
        let fc3 = nn::linear(&root / "fc3", 64, 2, Default::default());
        tch::no_grad(|| {
            let logits = |x: &Tensor| x.apply(&fc1).relu().apply(&fc2).relu().apply(&fc3);
            let accuracy = |x: &Tensor, y: &Tensor| logits(x).argmax(-1, false).eq_tensor(y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]);
            let loss = logits(&self.x_train).cross_entropy_for_logits(&self.y_train).double_value(&[]);
            [loss, accuracy(&self.x_train, &self.y_train), accuracy(&self.x_val, &self.y_val)]
        })
    }
}

fn run(ctx: &mut Ctx, function: &str, settings: &[f64]) -> Result<(Vec<Point>, String), Failure> {
    Task::draw(ctx).sweep(ctx, function, settings, EPOCHS)
}

fn attach(ctx: &mut Ctx, name: &str, label: &str, x_of: fn(f64) -> f64, x_label: &str, points: &[Point]) {
    let mut csv = format!("{label},train_loss,train_accuracy,val_accuracy,gap\n");
    for p in points {
        let _ = writeln!(csv, "{},{},{},{},{}", p.setting, p.train_loss, p.train_accuracy, p.val_accuracy, p.train_accuracy - p.val_accuracy);
    }
    ctx.attach(&format!("{name}.csv"), &format!("Training loss, accuracies and train − validation gap per {label}"), csv.into_bytes());
    let line = |l: &str, f: fn(&Point) -> f64| Series { label: l.into(), points: points.iter().map(|p| (x_of(p.setting), f(p))).collect(), reference: false };
    let accuracy = LinePlot {
        title: format!("Accuracy per {label}"),
        x_label: x_label.into(),
        y_label: "accuracy".into(),
        series: vec![line("validation accuracy", |p| p.val_accuracy), line("training accuracy", |p| p.train_accuracy)],
    };
    plot::attach(ctx, &format!("{name}-accuracy"), &format!("Validation and training accuracy per {label}"), &accuracy);
}

fn judge(ctx: &Ctx, points: &[Point], what: &str, first: usize, last: usize, min_ratio: f64, why: &str) -> Result<(), Failure> {
    for p in points {
        ctx.note_tolerance_used((1.0 - p.val_accuracy) / (1.0 - MIN_VAL_ACCURACY));
        if !(p.val_accuracy >= MIN_VAL_ACCURACY) {
            return Err(Failure::wrong(format!(
                "In {what}, the run with setting {} reached a validation accuracy of {}; every setting learns the moons to at least \
                 {MIN_VAL_ACCURACY}. Does each run train a fresh model, with its own setting, in training mode, and score in \
                 evaluation mode?",
                p.setting,
                num(p.val_accuracy)
            )));
        }
    }
    let ratio = points[last].train_loss / points[first].train_loss;
    // How much of the way from "no effect" (1) to the needed ratio is left over: 100 % at the threshold.
    ctx.note_tolerance_used((min_ratio - 1.0) / (ratio - 1.0).max(1e-12));
    if !(ratio >= min_ratio) {
        return Err(Failure::wrong(format!(
            "In {what}, the training loss is {} with setting {} and {} with setting {}: a ratio of {}, where at least {min_ratio} \
             is needed. {why}",
            num(points[first].train_loss),
            points[first].setting,
            num(points[last].train_loss),
            points[last].setting,
            num(ratio)
        )));
    }
    Ok(())
}

/// Training-loss ratio of weight decay 1e-2 over 1e-4 needed (the reference's is in rubric.toml).
pub const MIN_DECAY_RATIO: f64 = 1.15;
/// Training-loss ratio of dropout 0.5 over 0 needed.
pub const MIN_DROPOUT_RATIO: f64 = 1.05;

pub fn weight_decay(ctx: &mut Ctx) -> Result<(), Failure> {
    let (points, what) = run(ctx, "weight_decay_sweep", &[1e-4, 1e-3, 1e-2])?;
    attach(ctx, "weight-decay", "weight decay", f64::log10, "log10(weight decay)", &points);
    judge(ctx, &points, &what, 0, 2, MIN_DECAY_RATIO, "A hundred times stronger weight decay pulls the weights towards zero and must fit the training data less well. Is the decay passed to Adam (`nn::Adam { wd, .. }`) of each run, and is the training loss measured in evaluation mode on the whole training set?")
}

pub fn dropout(ctx: &mut Ctx) -> Result<(), Failure> {
    let (points, what) = run(ctx, "dropout_sweep", &[0.0, 0.2, 0.5])?;
    attach(ctx, "dropout", "dropout probability", |p| p, "dropout probability", &points);
    judge(ctx, &points, &what, 0, 2, MIN_DROPOUT_RATIO, "Dropping half the hidden units while training must leave a model that fits the training data less closely than one trained without dropout. Is the dropout probability of each run given to its `Mlp`, and is dropout on in training mode (`forward_t(x, true)`) and off for the scores?")
}

/// With 0 epochs a run trains nothing and scores the fresh network, which
/// the grader can rebuild from the seed: this pins down the scores (loss and
/// accuracies in evaluation mode, averaged) and the number of epochs.
pub fn untrained(ctx: &mut Ctx) -> Result<(), Failure> {
    let task = Task::draw(ctx);
    let rates = [0.5, 0.2];
    let (points, what) = task.sweep(ctx, "dropout_sweep", &rates, 0)?;
    let want = task.untrained_scores();
    let options = CompareOptions { tolerance: Some(Tolerance { rtol: 1e-5, atol: 1e-7 }), ..CompareOptions::default() };
    for p in &points {
        ctx.compare_with(
            &format!(
                "[training loss, training accuracy, validation accuracy] of the untrained run with dropout {} in {what}",
                p.setting
            ),
            &Tensor::from_slice(&want),
            &Tensor::from_slice(&[p.train_loss, p.train_accuracy, p.val_accuracy]),
            &options,
        )?;
    }
    let (trained, what_one) = task.sweep(ctx, "dropout_sweep", &rates[..1], 1)?;
    let changed = (trained[0].train_loss - want[0]).abs() / want[0].abs().max(1e-12);
    if !(changed > 1e-6) {
        return Err(Failure::wrong(format!(
            "{what_one} scored a training loss of {}, the same as the untrained network's ({}): one epoch must train. Does the \
             loop run `config.epochs` times (`for _ in 0..config.epochs`)?",
            num(trained[0].train_loss),
            num(want[0])
        )));
    }
    Ok(())
}
