//! Engine graphs from plain descriptions: single operations (for gradient
//! checks), whole programs (for comparisons with libtorch's autograd), the
//! notebook's structure test and `pow`'s error handling.

use crate::{error, grad_value, leaf, list, string, tensors};
use a03_autograd::engine::{bce_with_logits, EngineError, Tensor};
use gradwork::submission::{out, Args, DispatchError};
use gradwork::value::Value;

pub fn dispatch(function: &str, args: &Args) -> Result<Vec<Value>, DispatchError> {
    match function {
        // op, exponent, extra (targets of bce), inputs
        "op_forward" => {
            let inputs: Vec<Tensor> = tensors(args, 3)?.into_iter().map(|t| leaf(t, false)).collect();
            match apply(string(args, 0)?, &inputs, args.f64(1)?, &args.tensor(2)?)? {
                Ok(result) => Ok(vec![out(&result.data())?]),
                Err(e) => Ok(error(e)),
            }
        }
        // op, exponent, extra, inputs, cotangent: the inputs' gradients after backward_with(cotangent)
        "op_vjp" => {
            let inputs: Vec<Tensor> = tensors(args, 3)?.into_iter().map(|t| leaf(t, true)).collect();
            let result = match apply(string(args, 0)?, &inputs, args.f64(1)?, &args.tensor(2)?)? {
                Ok(r) => r,
                Err(e) => return Ok(error(e)),
            };
            result.backward_with(&args.tensor(4)?);
            Ok(vec![Value::List(inputs.iter().map(grad_value).collect::<Result<_, _>>()?)])
        }
        // leaves, requires_grad flags, program: the output's data and every leaf's gradient
        "graph" => {
            let flags = list(args, 1)?;
            let mut nodes: Vec<Tensor> = Vec::new();
            for (i, data) in tensors(args, 0)?.into_iter().enumerate() {
                nodes.push(leaf(data, matches!(flags.get(i), Some(Value::Bool(true)))));
            }
            let leaves = nodes.len();
            for step in list(args, 2)? {
                let Value::List(parts) = step else {
                    return Err(DispatchError::BadArgument { index: 2, expected: "a list of steps", got: step.type_name() });
                };
                let step = Args(parts.clone());
                let (a, b) = (step.i64(1)? as usize, step.i64(2)? as usize);
                let pick = |i: usize| nodes.get(i).cloned().ok_or(DispatchError::BadArgument { index: 2, expected: "a node index", got: "a larger one" });
                let inputs = vec![pick(a)?, pick(b)?];
                match apply(string(&step, 0)?, &inputs, step.f64(3)?, &tch::Tensor::new())? {
                    Ok(r) => nodes.push(r),
                    Err(e) => return Ok(error(e)),
                }
            }
            let Some(result) = nodes.last().cloned() else {
                return Err(DispatchError::BadArgument { index: 2, expected: "a program", got: "nothing" });
            };
            result.backward();
            let grads = nodes[..leaves].iter().map(grad_value).collect::<Result<_, _>>()?;
            Ok(vec![out(&result.data())?, Value::List(grads)])
        }
        // x, w1, w2: the notebook's `x + w1 + w2` and what its graph looks like
        "graph_structure" => {
            let x = leaf(args.tensor(0)?, false);
            let w1 = leaf(args.tensor(1)?, true);
            let w2 = leaf(args.tensor(2)?, true);
            let result = &(&x + &w1) + &w2;
            let name = |t: &Tensor| t.grad_fn().map(|n| n.name().to_string()).unwrap_or_default();
            let top = result.grad_fn();
            let top_inputs = top.as_ref().map(|n| n.inputs()).unwrap_or_default();
            let left = top_inputs.first().cloned();
            let left_inputs = left.as_ref().and_then(|l| l.grad_fn()).map(|n| n.inputs()).unwrap_or_default();
            Ok(vec![
                out(&result.data())?,
                Value::Str(name(&result)),
                Value::I64(top_inputs.len() as i64),
                Value::Bool(top_inputs.get(1).is_some_and(|r| r.is(&w2))),
                Value::Str(left.as_ref().map(name).unwrap_or_default()),
                Value::Bool(left_inputs.first().is_some_and(|t| t.is(&x))),
                Value::Bool(left_inputs.get(1).is_some_and(|t| t.is(&w1))),
                Value::Bool(x.grad_fn().is_none() && w1.grad_fn().is_none()),
            ])
        }
        // base, exponents (an f64 tensor, which carries infinities and NaN): for each, "ok" or the error it returned
        "pow_errors" => {
            let base = leaf(args.tensor(0)?, true);
            let exponents = Vec::<f64>::try_from(args.tensor(1)?.flatten(0, -1))
                .map_err(|_| DispatchError::BadArgument { index: 1, expected: "an f64 tensor of exponents", got: "another tensor" })?;
            let mut answers = Vec::new();
            for e in exponents {
                answers.push(Value::Str(match base.pow(e) {
                    Ok(_) => "ok".into(),
                    Err(err) => format!("{err:?}: {err}"),
                }));
            }
            Ok(vec![Value::List(answers)])
        }
        // grad, shape: the student's `unbroadcast`
        "unbroadcast" => {
            let shape = list(args, 1)?
                .iter()
                .map(|v| match v {
                    Value::I64(d) => Ok(*d),
                    other => Err(DispatchError::BadArgument { index: 1, expected: "a list of dimensions", got: other.type_name() }),
                })
                .collect::<Result<Vec<i64>, _>>()?;
            Ok(vec![out(&a03_autograd::engine::unbroadcast(&args.tensor(0)?, &shape))?])
        }
        other => Err(DispatchError::UnknownFunction(other.to_string())),
    }
}

/// Applies one operation of the engine by name to `inputs` (a unary
/// operation uses the first). The outer error is the grader's (an unknown
/// operation), the inner one the student's (`pow` refusing its exponent).
fn apply(op: &str, inputs: &[Tensor], exponent: f64, extra: &tch::Tensor) -> Result<Result<Tensor, EngineError>, DispatchError> {
    let arg = |i: usize| inputs.get(i).or(inputs.first()).cloned().ok_or(DispatchError::BadArgument { index: 3, expected: "inputs", got: "none" });
    Ok(Ok(match op {
        "add" => &arg(0)? + &arg(1)?,
        "sub" => &arg(0)? - &arg(1)?,
        "matmul" => arg(0)?.matmul(&arg(1)?),
        "pow" => return Ok(arg(0)?.pow(exponent)),
        "tanh" => arg(0)?.tanh(),
        "sigmoid" => arg(0)?.sigmoid(),
        // Targets: the second input in a program, the extra tensor for a single operation.
        "bce" if inputs.len() > 1 && !extra.defined() => bce_with_logits(&arg(0)?, &arg(1)?),
        "bce" => bce_with_logits(&arg(0)?, &leaf(extra.shallow_clone(), false)),
        other => return Err(DispatchError::UnknownFunction(format!("engine operation `{other}`"))),
    }))
}
