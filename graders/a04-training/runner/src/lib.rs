//! The a04-training runner: the only code that links the student's crate. It
//! turns requests into calls of the student's functions and their results
//! into plain values. It judges nothing.
//!
//! Student types (datasets, loaders, models, optimisers) cannot cross the
//! process boundary, so each function here builds them from plain inputs,
//! calls the student's code, and returns tensors and numbers.

mod encode;
mod models;

use a04_training as student;
use encode::{curve, history, list_arg, scalar, seed_arg, shape, str_arg, student_error, variables};
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use student::data::{DataError, TensorDataset};
use student::loader::DataLoader;
use student::models::ShapeError;
use student::train::{OptimizerKind, StepLr, TrainConfig, TrainError};
use tch::{nn, Device, Kind, Tensor};

/// The runner of a04-training.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a04_training" };

/// Calls the student function `function` with `args` (gradwork's `invoke`
/// turns gradients on before every call).
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    match function {
        "make_moons" => pair(student::data::make_moons(args.i64(0)?, args.f64(1)?)),
        "make_circles" => pair(student::data::make_circles(args.i64(0)?, args.f64(1)?, args.f64(2)?)),
        "make_regression_1d" => pair(student::data::make_regression_1d(args.i64(0)?, args.f64(1)?, args.f64(2)?, args.f64(3)?)),
        "dataset" => dataset(args),
        "loader_epochs" => loader_epochs(args),
        "permutations" => permutations(args),
        "split_indices" => split_indices(args),
        "split_dataset" => split_dataset(args),
        "mse_oops" => mse_oops(args),
        "l1_penalty" => l1_penalty(args),
        "accuracy_from_logits" => Ok(vec![scalar(student::losses::accuracy_from_logits(&args.tensor(0)?, &args.tensor(1)?))?]),
        "regressor_forward" => regressor_forward(args),
        "mlp_forward" => mlp_forward(args),
        "to_polar" => Ok(vec![out(&student::features::to_polar(&args.tensor(0)?))?]),
        "decision_grid" => decision_grid(args),
        "optimizer_steps" => optimizer_steps(args),
        "train_epoch" => train_epoch(args),
        "evaluate" => evaluate(args),
        "step_lr" => step_lr(args),
        "snapshot_restore" => snapshot_restore(args),
        "train_model" => train_model(args),
        "overfit_tiny_subset" => overfit_tiny_subset(args),
        "fit_regression" => fit_regression(args),
        "checkpoint_roundtrip" => checkpoint_roundtrip(args),
        "load_checkpoint" => load_checkpoint(args),
        "optimizer_study" => optimizer_study(args),
        "l1_study" => l1_study(args),
        "polar_study" => polar_study(args),
        other => Err(DispatchError::UnknownFunction(other.to_string())),
    }
}

fn pair((x, y): (Tensor, Tensor)) -> Result<Vec<Value>, DispatchError> {
    Ok(vec![out(&x)?, out(&y)?])
}

fn data_error(e: &DataError) -> Vec<Value> {
    let (kind, numbers) = match e {
        DataError::LengthMismatch { x_rows, y_rows } => ("DataError::LengthMismatch", vec![Value::I64(*x_rows), Value::I64(*y_rows)]),
        DataError::BatchSize(b) => ("DataError::BatchSize", vec![Value::I64(*b)]),
        DataError::Percentages(p) => ("DataError::Percentages", vec![p.clone().into()]),
    };
    student_error(kind, e.to_string(), numbers)
}

fn train_error(e: &TrainError) -> Vec<Value> {
    match e {
        TrainError::Shape(ShapeError::Input { expected, got }) => {
            student_error("ShapeError::Input", e.to_string(), vec![Value::I64(*expected), shape(got)])
        }
        TrainError::Shape(ShapeError::Target { prediction, target }) => {
            student_error("ShapeError::Target", e.to_string(), vec![shape(prediction), shape(target)])
        }
        TrainError::Data(d) => data_error(d),
        TrainError::Torch(_) => student_error("TrainError::Torch", e.to_string(), vec![]),
        TrainError::Checkpoint(_) => student_error("TrainError::Checkpoint", e.to_string(), vec![]),
    }
}

fn dataset_of(args: &Args, x: usize, y: usize) -> Result<Result<TensorDataset, DataError>, DispatchError> {
    Ok(TensorDataset::new(args.tensor(x)?, args.tensor(y)?))
}

/// `dataset(x, y, indices)`: `[len, get(indices).x, get(indices).y, subset(indices).x, subset(indices).y]`.
fn dataset(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let data = match dataset_of(args, 0, 1)? {
        Ok(d) => d,
        Err(e) => return Ok(data_error(&e)),
    };
    let indices = args.i64_list(2)?;
    let (gx, gy) = data.get(&Tensor::from_slice(&indices));
    let subset = data.subset(&indices);
    Ok(vec![Value::I64(data.len()), out(&gx)?, out(&gy)?, out(subset.x())?, out(subset.y())?])
}

/// `loader_epochs(x, y, batch_size, shuffle, seed, epochs)`: `[num_batches, epochs]`,
/// each epoch a list of `[x_batch, y_batch]`.
fn loader_epochs(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let data = match dataset_of(args, 0, 1)? {
        Ok(d) => d,
        Err(e) => return Ok(data_error(&e)),
    };
    let mut loader = match DataLoader::new(data, args.i64(2)?, args.bool(3)?, seed_arg(args, 4)?) {
        Ok(l) => l,
        Err(e) => return Ok(data_error(&e)),
    };
    let num_batches = loader.num_batches();
    let mut epochs = Vec::new();
    for _ in 0..args.i64(5)? {
        let mut batches = Vec::new();
        for (xb, yb) in loader.epoch() {
            batches.push(Value::List(vec![out(&xb)?, out(&yb)?]));
        }
        epochs.push(Value::List(batches));
    }
    Ok(vec![Value::I64(num_batches), Value::List(epochs)])
}

/// `permutations(n, seed, count)`: `count` permutations drawn one after the
/// other from one generator, as a `(count, n)` i64 tensor.
fn permutations(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let (n, count) = (args.i64(0)?, args.i64(2)?);
    let mut rng = student::rng::SplitMix64::new(seed_arg(args, 1)?);
    let mut rows = Vec::with_capacity((n * count).max(0) as usize);
    for _ in 0..count {
        let p = student::loader::permutation(n, &mut rng);
        if p.len() as i64 != n {
            // Not a permutation of the right length: send it alone, the grader says what is wrong.
            return Ok(vec![p.into()]);
        }
        rows.extend(p);
    }
    Ok(vec![out(&Tensor::from_slice(&rows).view([count, n]))?])
}

/// `split_indices(n, percents, seed)`: the parts as lists of indices.
fn split_indices(args: &Args) -> Result<Vec<Value>, DispatchError> {
    match student::split::split_indices(args.i64(0)?, &args.i64_list(1)?, seed_arg(args, 2)?) {
        Ok(parts) => Ok(vec![Value::List(parts.into_iter().map(Value::from).collect())]),
        Err(e) => Ok(data_error(&e)),
    }
}

/// `split_dataset(x, y, percents, seed)`: the parts as `[x, y]` pairs.
fn split_dataset(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let data = match dataset_of(args, 0, 1)? {
        Ok(d) => d,
        Err(e) => return Ok(data_error(&e)),
    };
    match student::split::split_dataset(&data, &args.i64_list(2)?, seed_arg(args, 3)?) {
        Ok(parts) => {
            let mut pairs = Vec::with_capacity(parts.len());
            for part in parts {
                pairs.push(Value::List(vec![out(part.x())?, out(part.y())?]));
            }
            Ok(vec![Value::List(pairs)])
        }
        Err(e) => Ok(data_error(&e)),
    }
}

/// The value and the gradients of a student's scalar function of `inputs`.
fn value_and_grads(inputs: &[Tensor], f: impl FnOnce(&[Tensor]) -> Tensor) -> Result<Vec<Value>, DispatchError> {
    let leaves: Vec<Tensor> = inputs.iter().map(|t| t.detach().set_requires_grad(true)).collect();
    let value = f(&leaves);
    let mut outputs = vec![out(&value)?];
    if value.requires_grad() && value.numel() == 1 {
        value.backward();
    }
    for leaf in &leaves {
        let g = leaf.grad();
        outputs.push(if g.defined() { out(&g)? } else { Value::Unit });
    }
    Ok(outputs)
}

/// `mse_oops(prediction, target)`: `[loss, d loss / d prediction, d loss / d target]`.
fn mse_oops(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let inputs = [args.tensor(0)?, args.tensor(1)?];
    value_and_grads(&inputs, |t| student::losses::MeanSquaredOops::new().forward(&t[0], &t[1]))
}

/// `l1_penalty(tensors...)`: `[penalty, gradient of each tensor]`.
fn l1_penalty(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let inputs: Vec<Tensor> = (0..args.0.len()).map(|i| args.tensor(i)).collect::<Result<_, _>>()?;
    value_and_grads(&inputs, student::losses::l1_penalty)
}

/// `regressor_forward(in, out, x)`: `[output, variables]`, or the student's error.
fn regressor_forward(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let vs = nn::VarStore::new(Device::Cpu);
    let model = student::models::LinearRegressor::new(&vs.root(), args.i64(0)?, args.i64(1)?);
    match model.forward(&args.tensor(2)?) {
        Ok(y) => Ok(vec![out(&y)?, variables(&vs)?]),
        Err(e) => Ok(train_error(&TrainError::Shape(e))),
    }
}

/// `mlp_forward(in, hidden, classes, dropout, weights, x, train)`:
/// `[variables as the student's model has them, output]`. The variables are
/// returned before any weight is set, so a naming mistake is reported as such.
fn mlp_forward(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let vs = nn::VarStore::new(Device::Cpu);
    let model = student::models::Mlp::new(&vs.root(), args.i64(0)?, args.i64(1)?, args.i64(2)?, args.f64(3)?);
    let names: Vec<(String, Tensor)> = vs.variables().into_iter().map(|(n, t)| (n, Tensor::zeros(t.size(), (Kind::Float, Device::Cpu)))).collect();
    let names = encode::named(names)?;
    let weights = models::weights(args, 4, args.i64(0)?, args.i64(1)?, args.i64(2)?)?;
    models::set_weights(&vs, &weights);
    let (x, train) = (args.tensor(5)?, args.bool(6)?);
    let y = tch::no_grad(|| nn::ModuleT::forward_t(&model, &x, train));
    Ok(vec![names, out(&y)?])
}

/// `decision_grid(in, hidden, classes, dropout, weights, bounds, steps)`: `[points, predicted, confidence]`.
fn decision_grid(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let b = Vec::<f64>::try_from(&args.tensor(5)?.to_kind(Kind::Double)).map_err(|e| DispatchError::Output(gradwork::value::ValueError::Torch(e.to_string())))?;
    let bounds = [b[0], b[1], b[2], b[3]];
    let grid = student::features::decision_grid(&built.model, bounds, args.i64(6)?);
    Ok(vec![out(&grid.points)?, out(&grid.predicted)?, out(&grid.confidence)?])
}

fn optimizer_kind(args: &Args, index: usize) -> Result<OptimizerKind, DispatchError> {
    match str_arg(args, index)?.as_str() {
        "sgd" => Ok(OptimizerKind::Sgd),
        "adam" => Ok(OptimizerKind::Adam),
        _ => Err(DispatchError::BadArgument { index, expected: "\"sgd\" or \"adam\"", got: "another string" }),
    }
}

fn optimizer(vs: &nn::VarStore, kind: OptimizerKind, lr: f64, wd: f64) -> Result<nn::Optimizer, Vec<Value>> {
    student::train::make_optimizer(vs, kind, lr, wd).map_err(|e| student_error("TchError", e.to_string(), vec![]))
}

/// `optimizer_steps(in, hidden, classes, dropout, weights, kind, lr, wd, batches)`:
/// `[losses, weights after each step]`, one `train_step` per `[x, y]` batch.
fn optimizer_steps(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let mut opt = match optimizer(&built.vs, optimizer_kind(args, 5)?, args.f64(6)?, args.f64(7)?) {
        Ok(o) => o,
        Err(e) => return Ok(e),
    };
    let (mut losses, mut after) = (Vec::new(), Vec::new());
    for batch in Args(list_arg(args, 8)?).0 {
        let batch = Args(match batch {
            Value::List(items) => items,
            other => return Err(DispatchError::BadArgument { index: 8, expected: "a list of [x, y] batches", got: other.type_name() }),
        });
        losses.push(student::train::train_step(&built.model, &mut opt, &batch.tensor(0)?, &batch.tensor(1)?));
        after.push(variables(&built.vs)?);
    }
    Ok(vec![curve(&losses)?, Value::List(after)])
}

fn loader(args: &Args, x: usize, batch_size: i64, shuffle: bool, seed: u64) -> Result<Result<DataLoader, Vec<Value>>, DispatchError> {
    Ok(match dataset_of(args, x, x + 1)? {
        Ok(d) => DataLoader::new(d, batch_size, shuffle, seed).map_err(|e| data_error(&e)),
        Err(e) => Err(data_error(&e)),
    })
}

/// `train_epoch(in, hidden, classes, dropout, weights, x, y, batch_size, lr)`: `[loss, weights]`,
/// one epoch of plain SGD over an unshuffled loader.
fn train_epoch(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let mut loader = match loader(args, 5, args.i64(7)?, false, 0)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let mut opt = match optimizer(&built.vs, OptimizerKind::Sgd, args.f64(8)?, 0.0) {
        Ok(o) => o,
        Err(e) => return Ok(e),
    };
    let loss = student::train::train_epoch(&built.model, &mut opt, &mut loader);
    Ok(vec![scalar(loss)?, variables(&built.vs)?])
}

/// `evaluate(in, hidden, classes, dropout, weights, x, y, batch_size)`: `[loss, accuracy]`.
fn evaluate(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let mut loader = match loader(args, 5, args.i64(7)?, false, 0)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let (loss, acc) = student::train::evaluate(&built.model, &mut loader);
    Ok(vec![scalar(loss)?, scalar(acc)?])
}

/// `step_lr(step_size, gamma, base_lr, epochs)`: the rate of epochs 1..=epochs.
fn step_lr(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let schedule = StepLr { step_size: args.i64(0)?, gamma: args.f64(1)? };
    let base = args.f64(2)?;
    let rates: Vec<f64> = (1..=args.i64(3)?).map(|e| schedule.lr_at(base, e)).collect();
    Ok(vec![curve(&rates)?])
}

/// `snapshot_restore(in, hidden, classes, dropout, weights_a, weights_b, keep, extra)`:
/// an MLP with weights A; `snapshot`; the weights set to B in place; then
/// `restore` of the snapshot's entries named in `keep` plus the `[name, tensor]`
/// pairs of `extra`. Returns `[the snapshot, the variables after restore]`.
fn snapshot_restore(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let snap = student::train::snapshot(&built.vs);
    let (in_dim, hidden, classes) = (args.i64(0)?, args.i64(1)?, args.i64(2)?);
    models::set_weights(&built.vs, &models::weights(args, 5, in_dim, hidden, classes)?);
    let keep: Vec<String> = list_arg(args, 6)?.into_iter().filter_map(|v| if let Value::Str(s) = v { Some(s) } else { None }).collect();
    let mut state: Vec<(String, Tensor)> = snap.iter().filter(|(n, _)| keep.contains(n)).map(|(n, t)| (n.clone(), t.shallow_clone())).collect();
    for pair in list_arg(args, 7)? {
        let Value::List(p) = pair else {
            return Err(DispatchError::BadArgument { index: 7, expected: "a list of [name, tensor]", got: pair.type_name() });
        };
        let p = Args(p);
        state.push((str_arg(&p, 0)?, p.tensor(1)?));
    }
    let snap_value = encode::named(snap)?;
    student::train::restore(&built.vs, &state);
    Ok(vec![snap_value, variables(&built.vs)?])
}

/// Reads the training settings at `at`: `[epochs, lr, optimizer, weight_decay, step_size (0: none), gamma, seed]`.
fn train_config(args: &Args, at: usize, checkpoint: Option<std::path::PathBuf>) -> Result<TrainConfig, DispatchError> {
    let step_size = args.i64(at + 4)?;
    Ok(TrainConfig {
        epochs: args.i64(at)?,
        lr: args.f64(at + 1)?,
        optimizer: optimizer_kind(args, at + 2)?,
        weight_decay: args.f64(at + 3)?,
        schedule: (step_size > 0).then(|| StepLr { step_size, gamma: args.f64(at + 5).unwrap_or(1.0) }),
        checkpoint,
        seed: seed_arg(args, at + 6)?,
    })
}

/// A file name of this process, in the system's temporary directory.
fn temp_file(stem: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    std::env::temp_dir().join(format!("gradwork-a04-{stem}-{}-{nanos}.safetensors", std::process::id()))
}

/// The bytes of a file as a u8 tensor (empty when it does not exist), and the file removed.
fn take_file(path: &std::path::Path) -> Result<Value, DispatchError> {
    let bytes = std::fs::read(path).unwrap_or_default();
    let _ = std::fs::remove_file(path);
    out(&Tensor::from_slice(&bytes))
}

/// `train_model(in, hidden, classes, dropout, weights, x_train, y_train, x_val, y_val,
/// batch_size, epochs, lr, optimizer, weight_decay, step_size, gamma, seed, checkpoint)`:
/// `[history, final weights, checkpoint file bytes]`.
fn train_model(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let seed = seed_arg(args, 16)?;
    let path = args.bool(17)?.then(|| temp_file("best"));
    let config = train_config(args, 10, path.clone())?;
    let batch_size = args.i64(9)?;
    let mut train = match loader(args, 5, batch_size, true, seed)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let mut val = match loader(args, 7, 256, false, seed)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let result = student::train::train_model(&built.model, &built.vs, &mut train, &mut val, &config);
    let file = match &path {
        Some(p) => take_file(p)?,
        None => Value::Unit,
    };
    match result {
        Ok(h) => Ok(vec![history(&h)?, variables(&built.vs)?, file]),
        Err(e) => Ok(train_error(&e)),
    }
}

/// `overfit_tiny_subset(in, hidden, classes, dropout, weights, x, y, n, batch_size, epochs, lr, seed)`: `[history]`.
fn overfit_tiny_subset(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let built = models::mlp(args, 0, 4)?;
    let data = match dataset_of(args, 5, 6)? {
        Ok(d) => d,
        Err(e) => return Ok(data_error(&e)),
    };
    let (n, batch, epochs, lr, seed) = (args.i64(7)?, args.i64(8)?, args.i64(9)?, args.f64(10)?, seed_arg(args, 11)?);
    match student::train::overfit_tiny_subset(&built.model, &built.vs, &data, n, batch, epochs, lr, seed) {
        Ok(h) => Ok(vec![history(&h)?]),
        Err(e) => Ok(train_error(&e)),
    }
}

/// `fit_regression(in, out, x_train, y_train, x_val, y_val, batch_size, epochs, lr, l1, seed
/// [, val_batch_size, shuffle, weight, bias])`: `[train_loss, val_loss, weight, bias]`, or the
/// student's error. Without the four optional arguments the training loader is shuffled with
/// `seed`, validation batches hold 256 samples and the regressor keeps its own initial
/// weights; with them, a run the grader can replay step by step.
fn fit_regression(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let vs = nn::VarStore::new(Device::Cpu);
    let model = student::models::LinearRegressor::new(&vs.root(), args.i64(0)?, args.i64(1)?);
    let seed = seed_arg(args, 10)?;
    let replay = args.0.len() > 11;
    let (val_batch, shuffle) = if replay { (args.i64(11)?, args.bool(12)?) } else { (256, true) };
    if replay {
        models::set_regressor_weights(&vs, &args.tensor(13)?, &args.tensor(14)?);
    }
    let mut train = match loader(args, 2, args.i64(6)?, shuffle, seed)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let mut val = match loader(args, 4, val_batch, false, seed)? {
        Ok(l) => l,
        Err(e) => return Ok(e),
    };
    let config = student::regression::RegressionConfig { epochs: args.i64(7)?, lr: args.f64(8)?, l1: args.f64(9)? };
    match student::regression::fit_regression(&model, &vs, &mut train, &mut val, &config) {
        Ok(fit) => {
            let bias = model.bias().map(|b| b.shallow_clone()).unwrap_or_else(|| Tensor::zeros([0], (Kind::Float, Device::Cpu)));
            Ok(vec![curve(&fit.train_loss)?, curve(&fit.val_loss)?, out(model.weight())?, out(&bias)?])
        }
        Err(e) => Ok(train_error(&e)),
    }
}

/// `checkpoint_roundtrip(in, hidden, classes, dropout, weights, epoch, val_loss, val_acc, seed)`:
/// saves the model with the grader's weights and metadata, then loads the file
/// into a second, freshly initialised model: `[file bytes, epoch, val_loss,
/// val_acc, seed, the second model's weights]`.
fn checkpoint_roundtrip(args: &Args) -> Result<Vec<Value>, DispatchError> {
    use student::checkpoint::{load_checkpoint, save_checkpoint, CheckpointMeta};
    let built = models::mlp(args, 0, 4)?;
    let meta = CheckpointMeta { epoch: args.i64(5)?, val_loss: args.f64(6)?, val_acc: args.f64(7)?, seed: seed_arg(args, 8)? };
    let path = temp_file("roundtrip");
    if let Err(e) = save_checkpoint(&built.vs, &path, &meta) {
        let _ = std::fs::remove_file(&path);
        return Ok(student_error("save_checkpoint", e.to_string(), vec![]));
    }
    let mut fresh = nn::VarStore::new(Device::Cpu);
    let _model = student::models::Mlp::new(&fresh.root(), args.i64(0)?, args.i64(1)?, args.i64(2)?, args.f64(3)?);
    let loaded = load_checkpoint(&mut fresh, &path);
    let file = take_file(&path)?;
    match loaded {
        Ok(m) => Ok(vec![file, m.epoch.into(), m.val_loss.into(), m.val_acc.into(), Value::I64(m.seed as i64), variables(&fresh)?]),
        Err(e) => Ok(student_error("load_checkpoint", e.to_string(), vec![])),
    }
}

/// `load_checkpoint(in, hidden, classes, dropout, file bytes)`: loads the
/// grader's file into a freshly initialised MLP: `[epoch, val_loss, val_acc,
/// seed, the model's weights]`, or the student's error.
fn load_checkpoint(args: &Args) -> Result<Vec<Value>, DispatchError> {
    use student::checkpoint::CheckpointError;
    let bytes = args.tensor_data(4)?.bytes.clone();
    let path = temp_file("load");
    std::fs::write(&path, &bytes).map_err(|e| DispatchError::Output(gradwork::value::ValueError::Torch(e.to_string())))?;
    let mut vs = nn::VarStore::new(Device::Cpu);
    let _model = student::models::Mlp::new(&vs.root(), args.i64(0)?, args.i64(1)?, args.i64(2)?, args.f64(3)?);
    let loaded = student::checkpoint::load_checkpoint(&mut vs, &path);
    let _ = std::fs::remove_file(&path);
    match loaded {
        Ok(m) => Ok(vec![m.epoch.into(), m.val_loss.into(), m.val_acc.into(), Value::I64(m.seed as i64), variables(&vs)?]),
        Err(e) => {
            let kind = match e {
                CheckpointError::Io { .. } => "CheckpointError::Io",
                CheckpointError::Format(_) => "CheckpointError::Format",
                CheckpointError::Torch(_) => "CheckpointError::Torch",
                CheckpointError::Metadata { .. } => "CheckpointError::Metadata",
                CheckpointError::MissingTensor(_) => "CheckpointError::MissingTensor",
            };
            Ok(student_error(kind, e.to_string(), vec![]))
        }
    }
}

/// `optimizer_study(x, y, settings, epochs, seed)`, settings a list of
/// `[optimizer, lr]`: one history per setting.
fn optimizer_study(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let data = match dataset_of(args, 0, 1)? {
        Ok(d) => d,
        Err(e) => return Ok(data_error(&e)),
    };
    let mut settings = Vec::new();
    for item in list_arg(args, 2)? {
        let Value::List(pair) = item else {
            return Err(DispatchError::BadArgument { index: 2, expected: "a list of [optimizer, lr]", got: item.type_name() });
        };
        let pair = Args(pair);
        settings.push((optimizer_kind(&pair, 0)?, pair.f64(1)?));
    }
    match student::experiments::optimizer_study(&data, &settings, args.i64(3)?, seed_arg(args, 4)?) {
        Ok(hs) => Ok(vec![Value::List(hs.iter().map(history).collect::<Result<_, _>>()?)]),
        Err(e) => Ok(train_error(&e)),
    }
}

/// `l1_study(x, y, n_train, l1, epochs, lr)`: `[train, val without L1, train, val with L1]`.
fn l1_study(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let result = student::experiments::l1_study(&args.tensor(0)?, &args.tensor(1)?, args.i64(2)?, args.f64(3)?, args.i64(4)?, args.f64(5)?);
    match result {
        Ok((plain, l1)) => Ok(vec![curve(&plain.train_loss)?, curve(&plain.val_loss)?, curve(&l1.train_loss)?, curve(&l1.val_loss)?]),
        Err(e) => Ok(train_error(&e)),
    }
}

/// `polar_study(x, y, polar, epochs, lr, seed)`: `[history]`.
fn polar_study(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let result = student::experiments::polar_study(&args.tensor(0)?, &args.tensor(1)?, args.bool(2)?, args.i64(3)?, args.f64(4)?, seed_arg(args, 5)?);
    match result {
        Ok(h) => Ok(vec![history(&h)?]),
        Err(e) => Ok(train_error(&e)),
    }
}
