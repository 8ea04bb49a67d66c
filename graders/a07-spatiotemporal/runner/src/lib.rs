//! The a07-spatiotemporal runner: the only code that links the student's
//! crate. It turns requests into calls of the student's functions and their
//! results into plain values. It judges nothing.
//!
//! Zarr stores cross the process boundary as their files: the runner writes
//! the grader's files into a scratch directory for the student's loader
//! ([`scratch`]). The student's `NextFrameCnn` is built here from the
//! grader's weights, and a trained one goes back as its weights.


use a07_spatiotemporal as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use gradwork::submission::Scratch;
use student::NextFrameCnn;
use tch::nn;
use tch::{Device, Tensor};

/// The runner of a07-spatiotemporal.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a07_spatiotemporal" };

/// Number of parameter tensors of a `NextFrameCnn`, in the order of `NextFrameCnn::parameters`.
pub const WEIGHTS: usize = 6;

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        "load_frames" => load_frames(args)?,
        "frame_stats" => {
            let stats = student::frame_stats(&args.tensor(0)?);
            vec![out(&stats.mass)?, out(&stats.centre)?, out(&stats.spread)?]
        }
        "describe_dynamics" => vec![student::describe_dynamics().into()],
        "make_windows" => {
            let (inputs, targets) = student::make_windows(&args.tensor(0)?, args.i64(1)?);
            vec![out(&inputs)?, out(&targets)?]
        }
        "leaking_windows" => {
            let split = student::WindowSplit { train: args.i64_list(0)?, test: args.i64_list(1)? };
            vec![student::leaking_windows(&split, args.i64(2)?).into()]
        }
        "temporal_split" => {
            let split = student::temporal_split(args.i64(0)?, args.i64(1)?, args.i64(2)?);
            vec![split.train.into(), split.test.into()]
        }
        "persistence" => vec![out(&student::persistence(&args.tensor(0)?))?],
        "forward" => {
            let (_vs, model) = student_cnn(&tensors(args, 0)?)?;
            vec![out(&model.forward(&args.tensor(1)?))?]
        }
        "train_next_frame" => {
            let config = student::TrainConfig {
                width: args.i64(2)?,
                epochs: args.i64(3)?,
                batch_size: args.i64(4)?,
                lr: args.f64(5)?,
                seed: args.i64(6)?,
            };
            let trained = student::train_next_frame(&args.tensor(0)?, &args.tensor(1)?, &config);
            let test_inputs = args.tensor(7)?;
            let predictions = tch::no_grad(|| trained.model.forward(&test_inputs));
            vec![floats(&trained.losses), tensor_list(&trained.model.parameters())?, out(&predictions)?]
        }
        "random_direction" => vec![tensor_list(&student::random_direction(&tensors(args, 0)?, args.i64(1)?))?],
        "loss_slice" => {
            let (_vs, model) = student_cnn(&tensors(args, 0)?)?;
            let alphas = float_list(args, 4)?;
            let losses = student::loss_slice(&model, &args.tensor(1)?, &args.tensor(2)?, &tensors(args, 3)?, &alphas);
            vec![floats(&losses), tensor_list(&model.parameters())?]
        }
        "ppca_nll" => {
            let w = args.tensor(1)?.set_requires_grad(true);
            let mu = args.tensor(2)?.set_requires_grad(true);
            let sigma2 = args.tensor(3)?.set_requires_grad(true);
            let nll = student::ppca_nll(&args.tensor(0)?, &w, &mu, &sigma2);
            let value = out(&nll)?;
            // Gradients only where the result can carry them; the grader says what is missing.
            let grads = match nll.f_backward() {
                Ok(()) => vec![out(&w.grad())?, out(&mu.grad())?, out(&sigma2.grad())?],
                Err(_) => vec![],
            };
            vec![value, Value::List(grads)]
        }
        "fit_ppca" => ppca(&student::fit_ppca(&args.tensor(0)?, args.i64(1)?, args.i64(2)?, args.f64(3)?, args.i64(4)?))?,
        "ppca_closed_form" => ppca(&student::ppca_closed_form(&args.tensor(0)?, args.i64(1)?))?,
        "principal_angles" => vec![out(&student::principal_angles(&args.tensor(0)?, &args.tensor(1)?))?],
        "ppca_answer" => vec![student::ppca_answer().into()],
        "weight_decay_sweep" | "dropout_sweep" => {
            let data = student::Data { x_train: args.tensor(0)?, y_train: args.tensor(1)?, x_val: args.tensor(2)?, y_val: args.tensor(3)? };
            let settings = float_list(args, 4)?;
            let config = student::SweepConfig { epochs: args.i64(5)?, batch_size: args.i64(6)?, lr: args.f64(7)?, seed: args.i64(8)? };
            let points = if function == "weight_decay_sweep" {
                student::weight_decay_sweep(&data, &settings, &config)
            } else {
                student::dropout_sweep(&data, &settings, &config)
            };
            let rows = points.iter().map(|p| floats(&[p.setting, p.train_loss, p.train_accuracy, p.val_accuracy])).collect();
            vec![Value::List(rows)]
        }
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}

/// `["ok", frames, [dim names], time_step]` or `["error", variant, message, [details]]`.
/// Argument 0 is the store's files as `[[path, bytes], …]`, or `()` for no store at all.
fn load_frames(args: &Args) -> Result<Vec<Value>, DispatchError> {
    // One thread for zarrs's codecs: the runner has a process limit, and the stores are small.
    zarrs::config::global_config_mut().set_codec_concurrent_target(1);
    let scratch = Scratch::new("a07")?;
    let root = scratch.path().join("frames.zarr");
    if let Some(Value::List(files)) = args.0.first() {
        for (index, file) in files.iter().enumerate() {
            let Value::List(pair) = file else {
                return Err(DispatchError::BadArgument { index, expected: "a [path, bytes] pair", got: file.type_name() });
            };
            let (Some(Value::Str(name)), Some(Value::Tensor(bytes))) = (pair.first(), pair.get(1)) else {
                return Err(DispatchError::BadArgument { index, expected: "a [path, bytes] pair", got: "another list" });
            };
            scratch.write(&format!("frames.zarr/{name}"), &bytes.bytes)?;
        }
    }
    Ok(match student::load_frames(&root) {
        Ok(frames) => {
            let dims = Value::List(frames.dims.iter().map(|d| Value::Str(d.clone())).collect());
            vec!["ok".into(), out(&frames.data)?, dims, frames.time_step.into()]
        }
        Err(e) => {
            use student::LoadError as E;
            let (variant, details): (&str, Vec<Value>) = match &e {
                E::NotFound { .. } => ("NotFound", vec![]),
                E::Metadata { .. } => ("Metadata", vec![]),
                E::WrongRank { found } => ("WrongRank", vec![(*found as i64).into()]),
                E::WrongDtype { found } => ("WrongDtype", vec![found.as_str().into()]),
                E::MissingAttribute { name } => ("MissingAttribute", vec![name.as_str().into()]),
                E::CorruptChunk { chunk, .. } => ("CorruptChunk", chunk.iter().map(|&c| Value::I64(c as i64)).collect()),
            };
            // The scratch directory differs from run to run: leave it out of the message.
            let message = e.to_string().replace(&format!("{}/", scratch.path().display()), "");
            vec!["error".into(), variant.into(), message.as_str().into(), Value::List(details)]
        }
    })
}

/// Argument `index` as a list of tensors.
fn tensors(args: &Args, index: usize) -> Result<Vec<Tensor>, DispatchError> {
    match args.0.get(index) {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| match v {
                Value::Tensor(t) => Ok(t.to_tensor()?),
                other => Err(DispatchError::BadArgument { index, expected: "a list of tensors", got: other.type_name() }),
            })
            .collect(),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a list of tensors", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a list of tensors", got: "nothing" }),
    }
}

/// Argument `index` as a list of floats.
fn float_list(args: &Args, index: usize) -> Result<Vec<f64>, DispatchError> {
    match args.0.get(index) {
        Some(Value::List(items)) => items
            .iter()
            .map(|v| match v {
                Value::F64(x) => Ok(*x),
                other => Err(DispatchError::BadArgument { index, expected: "a list of floats", got: other.type_name() }),
            })
            .collect(),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a list of floats", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a list of floats", got: "nothing" }),
    }
}

fn floats(values: &[f64]) -> Value {
    Value::List(values.iter().map(|&v| Value::F64(v)).collect())
}

fn tensor_list(tensors: &[Tensor]) -> Result<Value, DispatchError> {
    Ok(Value::List(tensors.iter().map(out).collect::<Result<_, _>>()?))
}

fn ppca(p: &student::Ppca) -> Result<Vec<Value>, DispatchError> {
    Ok(vec![out(&p.w)?, out(&p.mu)?, p.sigma2.into()])
}

/// The student's `NextFrameCnn` with the grader's six weights copied into
/// its layers; `w` and the width come from the weights' shapes. The
/// VarStore must outlive the model.
fn student_cnn(weights: &[Tensor]) -> Result<(nn::VarStore, NextFrameCnn), DispatchError> {
    if weights.len() != WEIGHTS || weights[0].dim() != 4 {
        return Err(DispatchError::BadArgument { index: 0, expected: "the six weights of a NextFrameCnn", got: "another list" });
    }
    let (width, w) = (weights[0].size()[0], weights[0].size()[1]);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = NextFrameCnn::new(&vs.root(), w, width);
    tch::no_grad(|| {
        for (mut p, value) in model.parameters().into_iter().zip(weights) {
            p.copy_(value);
        }
    });
    Ok((vs, model))
}
