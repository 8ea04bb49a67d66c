//! The a05-cnn-leakage runner: the only code that links the student's crate.
//! It turns requests into calls of the student's functions and their results
//! into plain values. It judges nothing.
//!
//! The student's `TinyCnn` cannot cross the process boundary, so `forward`
//! and `predict` build it here and copy the grader's weights into its layers.
//! The pipelines handed to the student's shuffled-labels check are defined
//! here too (see [`pipelines`]).

pub mod pipelines;

use a05_cnn_leakage as student;
use gradwork::submission::{out, Args, DispatchError, Runner};
use gradwork::value::Value;
use tch::nn::{self, ModuleT};
use tch::{Device, Tensor};

/// The runner of a05-cnn-leakage.
pub const RUNNER: Runner = Runner { dispatch, student_crate: "a05_cnn_leakage" };

/// Number of weight tensors of a TinyCnn, in the order `conv1.weight,
/// conv1.bias, conv2.weight, conv2.bias, fc1.weight, fc1.bias, fc2.weight, fc2.bias`.
pub const WEIGHTS: usize = 8;

/// Calls the student function `function` with `args`.
pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    Ok(match function {
        "forward" => {
            let (_vs, model) = student_cnn(args)?;
            let x = args.tensor(WEIGHTS)?;
            let train = args.bool(WEIGHTS + 1)?;
            vec![out(&model.forward_t(&x, train))?]
        }
        "predict" => {
            let (_vs, model) = student_cnn(args)?;
            vec![out(&student::predict(&model, &args.tensor(WEIGHTS)?))?]
        }
        "accuracy" => vec![student::accuracy(&args.tensor(0)?, &args.tensor(1)?).into()],
        "train_and_predict" => {
            let predicted = student::train_and_predict(&args.tensor(0)?, &args.tensor(1)?, &args.tensor(2)?, args.i64(3)?);
            vec![out(&predicted)?]
        }
        "split_indices" => {
            let split = student::split_indices(args.i64(0)?, args.i64(1)?);
            vec![Value::List(vec![split.train.into(), split.val.into(), split.test.into()])]
        }
        "near_duplicates" => {
            vec![student::near_duplicates(&args.tensor(0)?, &args.tensor(1)?, args.f64(2)?).into()]
        }
        "shuffled_label_check" => {
            let name = text(args, 0)?;
            let (x_train, y_train, x_test, y_test) = (args.tensor(1)?, args.tensor(2)?, args.tensor(3)?, args.tensor(4)?);
            let mut pipeline = pipelines::by_name(&name, &x_test, &y_test)
                .ok_or_else(|| DispatchError::UnknownFunction(format!("shuffled_label_check with pipeline `{name}`")))?;
            let report = student::shuffled_label_check(&mut *pipeline, &x_train, &y_train, &x_test, &y_test, args.i64(5)?);
            vec![Value::List(vec![
                report.shuffled_accuracy.into(),
                report.control_accuracy.into(),
                report.chance.into(),
                report.threshold.into(),
                report.leaky.into(),
                report.learns.into(),
            ])]
        }
        "explain_bug" => vec![student::explain_bug().into()],
        "make_images" => {
            let (images, labels) = student::make_images(args.i64(0)?, args.i64(1)?);
            vec![out(&images)?, out(&labels)?]
        }
        other => return Err(DispatchError::UnknownFunction(other.to_string())),
    })
}

/// Argument `index` as text.
fn text(args: &Args, index: usize) -> Result<String, DispatchError> {
    match args.0.get(index) {
        Some(Value::Str(s)) => Ok(s.clone()),
        Some(other) => Err(DispatchError::BadArgument { index, expected: "a string", got: other.type_name() }),
        None => Err(DispatchError::BadArgument { index, expected: "a string", got: "nothing" }),
    }
}

/// The student's `TinyCnn` with the grader's weights (the first [`WEIGHTS`]
/// arguments) copied into its layers. The VarStore must outlive the model.
fn student_cnn(args: &Args) -> Result<(nn::VarStore, student::TinyCnn), DispatchError> {
    let vs = nn::VarStore::new(Device::Cpu);
    let mut model = student::TinyCnn::new(&vs.root());
    let weights: Vec<Tensor> = (0..WEIGHTS).map(|i| args.tensor(i)).collect::<Result<_, _>>()?;
    tch::no_grad(|| {
        let layers: [(&mut Tensor, Option<&mut Tensor>); 4] = [
            (&mut model.conv1.ws, model.conv1.bs.as_mut()),
            (&mut model.conv2.ws, model.conv2.bs.as_mut()),
            (&mut model.fc1.ws, model.fc1.bs.as_mut()),
            (&mut model.fc2.ws, model.fc2.bs.as_mut()),
        ];
        for (i, (ws, bs)) in layers.into_iter().enumerate() {
            ws.copy_(&weights[2 * i]);
            if let Some(bs) = bs {
                bs.copy_(&weights[2 * i + 1]);
            }
        }
    });
    Ok((vs, model))
}
