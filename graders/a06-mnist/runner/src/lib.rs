//! The a06-mnist runner: the only code that links the student's crate. It
//! turns requests into calls of the student's functions and their results
//! into plain values. It judges nothing.
//!
//! Files cross the process boundary as bytes: the runner writes the grader's
//! IDX bytes into a scratch directory for the student's reader, and reads the
//! saved model and the TensorBoard event files of a training run back out of
//! one ([`scratch`]). The student's `Mlp` and optimiser are built here from
//! the grader's weights.


use a06_mnist as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use gradwork::submission::Scratch;
use student::model::Mlp;
use tch::nn::{self, Module};
use tch::{Device, Tensor};

/// The runner of a06-mnist.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a06_mnist" };

/// Number of weight tensors of an MLP: `fc1.weight, fc1.bias, fc2.weight, fc2.bias, fc3.weight, fc3.bias`.
pub const WEIGHTS: usize = 6;

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        "read_idx" => {
            let scratch = Scratch::new("a06")?;
            let path = scratch.write("data-idx-ubyte", &bytes(args, 0)?)?;
            let magic = args.i64(1)? as u32;
            let rank = args.i64(2)? as usize;
            match student::read_idx(&path, magic, rank) {
                Ok(idx) => vec!["ok".into(), idx.dims.into(), out(&Tensor::from_slice(&idx.data))?],
                Err(e) => idx_error(&e, &scratch),
            }
        }
        "read_idx_images" | "read_idx_labels" => {
            let scratch = Scratch::new("a06")?;
            let images = function == "read_idx_images";
            let path = scratch.write(if images { "images-idx3-ubyte" } else { "labels-idx1-ubyte" }, &bytes(args, 0)?)?;
            let read = if images { student::read_idx_images(&path) } else { student::read_idx_labels(&path) };
            match read {
                Ok(t) => vec!["ok".into(), out(&t)?],
                Err(e) => idx_error(&e, &scratch),
            }
        }
        "load_mnist" => {
            let scratch = Scratch::new("a06")?;
            for (i, name) in student::data::FILES.iter().enumerate() {
                // An empty list stands for a missing file.
                if !matches!(args.0.get(i), Some(Value::List(items)) if items.is_empty()) {
                    scratch.write(name, &bytes(args, i)?)?;
                }
            }
            match student::load_mnist(scratch.path()) {
                Ok(m) => vec!["ok".into(), out(&m.train_images)?, out(&m.train_labels)?, out(&m.test_images)?, out(&m.test_labels)?],
                Err(e) => idx_error(&e, &scratch),
            }
        }
        "forward" => {
            let (_vs, model) = student_mlp(args)?;
            vec![out(&model.forward(&args.tensor(WEIGHTS)?))?]
        }
        "split_train_val" => {
            let (train, val) = student::split_train_val(args.i64(0)?, args.i64(1)?);
            vec![train.into(), val.into()]
        }
        "evaluate" => {
            let (_vs, model) = student_mlp(args)?;
            let (loss, accuracy) = student::evaluate(&model, &args.tensor(WEIGHTS)?, &args.tensor(WEIGHTS + 1)?, args.i64(WEIGHTS + 2)?);
            vec![number(loss)?, number(accuracy)?]
        }
        "train_steps" => {
            let (vs, model) = student_mlp(args)?;
            let kind = optimizer_kind(args, WEIGHTS)?;
            let lr = args.f64(WEIGHTS + 1)?;
            // An error here comes from the student's `make_optimizer`: report it as its failure.
            let mut optimizer = match student::make_optimizer(&vs, kind, lr) {
                Ok(optimizer) => optimizer,
                Err(e) => panic!("make_optimizer(vs, {kind:?}, {lr}) returned an error: {e}"),
            };
            let (xs, ys) = (args.tensor(WEIGHTS + 2)?, args.tensor(WEIGHTS + 3)?);
            let mut losses = Vec::new();
            for k in 0..xs.size()[0] {
                losses.push(student::train_step(&model, &mut optimizer, &xs.get(k), &ys.get(k)));
            }
            let mut outputs = weights_of(&model)?;
            outputs.push(out(&Tensor::from_slice(&losses))?);
            outputs
        }
        "train" => train(args)?,
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}

/// A float of the student's as a 1-element f64 tensor: its bytes carry NaN
/// and infinities, which a JSON number cannot.
fn number(x: f64) -> Result<Value, DispatchError> {
    out(&Tensor::from_slice(&[x]))
}

/// Argument `index` as raw bytes (a u8 tensor).
fn bytes(args: &Args, index: usize) -> Result<Vec<u8>, DispatchError> {
    let t = args.tensor(index)?;
    Vec::<u8>::try_from(&t).map_err(|_| DispatchError::BadArgument { index, expected: "a 1-d u8 tensor of bytes", got: "another tensor" })
}

fn optimizer_kind(args: &Args, index: usize) -> Result<student::OptimizerKind, DispatchError> {
    match args.0.get(index) {
        Some(Value::Str(s)) if s == "sgd" => Ok(student::OptimizerKind::Sgd),
        Some(Value::Str(s)) if s == "adam" => Ok(student::OptimizerKind::Adam),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "\"sgd\" or \"adam\"", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "\"sgd\" or \"adam\"", got: "nothing" }),
    }
}

/// An IDX error as values: `["error", variant, message, [expected, found]]`,
/// with the scratch directory left out of the message (it differs from run to run).
fn idx_error(e: &student::IdxError, scratch: &Scratch) -> Vec<Value> {
    let (variant, numbers): (&str, Vec<i64>) = match e {
        student::IdxError::Io { .. } => ("Io", vec![]),
        student::IdxError::BadMagic { expected, found, .. } => ("BadMagic", vec![*expected as i64, *found as i64]),
        student::IdxError::Truncated { expected_bytes, found_bytes, .. } => ("Truncated", vec![*expected_bytes as i64, *found_bytes as i64]),
    };
    let message = e.to_string().replace(&format!("{}/", scratch.path().display()), "");
    vec!["error".into(), variant.into(), message.as_str().into(), numbers.into()]
}

/// The student's `Mlp` with the grader's weights (the first [`WEIGHTS`]
/// arguments) copied into its layers. The VarStore must outlive the model.
fn student_mlp(args: &Args) -> Result<(nn::VarStore, Mlp), DispatchError> {
    let weights: Vec<Tensor> = (0..WEIGHTS).map(|i| args.tensor(i)).collect::<Result<_, _>>()?;
    let pixels = weights[0].size().get(1).copied().unwrap_or(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let mut model = Mlp::new(&vs.root(), pixels);
    tch::no_grad(|| {
        for (i, layer) in [&mut model.fc1, &mut model.fc2, &mut model.fc3].into_iter().enumerate() {
            layer.ws.copy_(&weights[2 * i]);
            if let Some(bs) = layer.bs.as_mut() {
                bs.copy_(&weights[2 * i + 1]);
            }
        }
    });
    Ok((vs, model))
}

/// The model's six weight tensors as values.
fn weights_of(model: &Mlp) -> Result<Vec<Value>, DispatchError> {
    let mut values = Vec::new();
    for layer in [&model.fc1, &model.fc2, &model.fc3] {
        values.push(out(&layer.ws)?);
        match &layer.bs {
            Some(bs) => values.push(out(bs)?),
            None => values.push(Value::Unit),
        }
    }
    Ok(values)
}

/// A full training run: `(train images, train labels, test images, test
/// labels, epochs, batch size, lr, optimiser, seed)`. Returns `["ok",
/// step_loss, train_loss, val_loss, val_accuracy, test_loss, test_accuracy,
/// saved model bytes (or ()), [[event file name, bytes], …]]` (the numbers as
/// f64 tensors) or `["error", message]`.
fn train(args: &Args) -> Result<Vec<Value>, DispatchError> {
    let data = student::Mnist {
        train_images: args.tensor(0)?,
        train_labels: args.tensor(1)?,
        test_images: args.tensor(2)?,
        test_labels: args.tensor(3)?,
    };
    let scratch = Scratch::new("a06")?;
    let config = student::TrainConfig {
        epochs: args.i64(4)?,
        batch_size: args.i64(5)?,
        lr: args.f64(6)?,
        optimizer: optimizer_kind(args, 7)?,
        seed: args.i64(8)?,
        log_dir: Some(scratch.path().join("runs").join("mnist_mlp")),
        save_path: Some(scratch.path().join("mnist_mlp.safetensors")),
    };
    let report = match student::train(&data, &config) {
        Ok(report) => report,
        Err(e) => return Ok(vec!["error".into(), e.to_string().as_str().into()]),
    };
    let floats = |v: &[f64]| out(&Tensor::from_slice(v));
    let h = &report.history;
    let model = match scratch.read("mnist_mlp.safetensors") {
        Some(bytes) => out(&Tensor::from_slice(&bytes))?,
        None => Value::Unit,
    };
    let mut events = Vec::new();
    for (name, bytes) in scratch.files_under("runs") {
        events.push(Value::List(vec![name.as_str().into(), out(&Tensor::from_slice(&bytes))?]));
    }
    Ok(vec![
        "ok".into(),
        floats(&h.step_loss)?,
        floats(&h.train_loss)?,
        floats(&h.val_loss)?,
        floats(&h.val_accuracy)?,
        number(report.test_loss)?,
        number(report.test_accuracy)?,
        model,
        Value::List(events),
    ])
}
