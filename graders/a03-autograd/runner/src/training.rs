//! Models, optimizers and training loops of the student, run on the data
//! and starting weights the grader sends.

use crate::{error, floats, grad_value, leaf};
use a03_autograd::classifier::{self, Classifier};
use a03_autograd::engine::{bce_with_logits, Optimizer, Sgd};
use gradwork::submission::{out, Args, DispatchError};
use gradwork::value::Value;

/// The student's classifier from arguments `at..at + 4` (w1, b1, w2, b2).
fn model(args: &Args, at: usize) -> Result<Classifier, DispatchError> {
    Ok(Classifier::from_weights(args.tensor(at)?, args.tensor(at + 1)?, args.tensor(at + 2)?, args.tensor(at + 3)?))
}

fn params(model: &Classifier) -> Result<Vec<Value>, DispatchError> {
    model.params().iter().map(|p| out(&p.data())).collect()
}

pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    match function {
        // w1, b1, w2, b2, x, y: the BCE loss of one forward pass and every parameter's gradient
        "classifier_grads" => {
            let model = model(args, 0)?;
            let loss = bce_with_logits(&model.forward(&leaf(args.tensor(4)?, false)), &leaf(args.tensor(5)?, false));
            loss.backward();
            let grads = model.params().iter().map(grad_value).collect::<Result<_, _>>()?;
            Ok(vec![out(&loss.data())?, Value::List(grads)])
        }
        // w1, b1, w2, b2, x, y, lr, steps, unused: full-batch steps of the student's Sgd over
        // the model's parameters and one more that the loss does not use (it never gets a
        // gradient); the parameters after each step, then the unused one at the end
        "sgd_trajectory" => {
            let model = model(args, 0)?;
            let (x, y) = (leaf(args.tensor(4)?, false), leaf(args.tensor(5)?, false));
            let unused = leaf(args.tensor(8)?, true);
            let mut all = model.params();
            all.push(unused.clone());
            let mut opt = Sgd::new(all, args.f64(6)?);
            let mut trajectory = Vec::new();
            for _ in 0..args.i64(7)? {
                let loss = bce_with_logits(&model.forward(&x), &y);
                opt.zero_grad();
                loss.backward();
                opt.step();
                trajectory.push(Value::List(params(&model)?));
            }
            Ok(vec![Value::List(trajectory), out(&unused.data())?])
        }
        // x, y, w_init, b_init, lr, epochs
        "regression_tch" | "regression_engine" => {
            let (x, y, w, b) = (args.tensor(0)?, args.tensor(1)?, args.tensor(2)?, args.tensor(3)?);
            let (lr, epochs) = (args.f64(4)?, args.i64(5)?);
            let curve = if function == "regression_tch" {
                a03_autograd::regression_tch::train_regression_tch(&x, &y, &w, &b, lr, epochs).map_err(|e| e.to_string())
            } else {
                a03_autograd::regression_engine::train_regression_engine(&x, &y, &w, &b, lr, epochs).map_err(|e| e.to_string())
            };
            Ok(match curve {
                Ok(c) => vec![floats(&c)],
                Err(e) => error(e),
            })
        }
        // n, val_fraction
        "split" => {
            let (train, val) = classifier::split_train_val(args.i64(0)?, args.f64(1)?);
            Ok(vec![train.into(), val.into()])
        }
        // w1, b1, w2, b2, x_train, y_train, x_val, y_val, lr, epochs
        "train_classifier" => {
            let mut model = model(args, 0)?;
            let (xt, yt, xv, yv) = (args.tensor(4)?, args.tensor(5)?, args.tensor(6)?, args.tensor(7)?);
            let history = classifier::train_classifier(&mut model, &xt, &yt, &xv, &yv, args.f64(8)?, args.i64(9)?);
            let mut values = vec![floats(&history.loss), floats(&history.train_accuracy), floats(&history.val_accuracy)];
            values.extend(params(&model)?);
            Ok(values)
        }
        // w1, b1, w2, b2, x, y: predictions and accuracy
        "predict" => {
            let model = model(args, 0)?;
            let (x, y) = (args.tensor(4)?, args.tensor(5)?);
            Ok(vec![out(&model.predict(&x))?, classifier::accuracy(&model, &x, &y).into()])
        }
        other => Err(DispatchError::UnknownFunction(other.to_string())),
    }
}
