//! The notebook's own sanity checks (Tasks 2–4), and `pow`'s typed errors.

use crate::inputs::{refused, tensor};
use crate::program::{Op, Program};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::Tensor;

fn t2(values: &[f64], rows: i64) -> Tensor {
    Tensor::from_slice(values).view([rows, -1])
}

/// Runs one operation of the engine on leaves that do not require grad.
fn run_op(ctx: &mut Ctx, op: Op, inputs: &[&Tensor]) -> Result<Tensor, Failure> {
    let args = vec![
        Value::Str(op.name().into()),
        Value::F64(op.exponent()),
        Value::arg(&Tensor::zeros([0], (tch::Kind::Double, tch::Device::Cpu))),
        Value::List(inputs.iter().map(|t| Value::arg(t)).collect()),
    ];
    let out = ctx.call("op_forward", args)?;
    refused(&out, &op.describe("a", "b"))?;
    tensor(&out[0], "the result")
}

pub fn sanity_ops(ctx: &mut Ctx) -> Result<(), Failure> {
    let x1 = t2(&[2.0, 3.0], 1);
    let x2 = t2(&[1.0, 4.0], 1);
    let w = t2(&[-1.0, 1.2], 2);
    let cases: [(&str, Op, Vec<&Tensor>, Tensor); 4] = [
        ("x1 + x2 with x1 = [[2, 3]], x2 = [[1, 4]]", Op::Add, vec![&x1, &x2], t2(&[3.0, 7.0], 1)),
        ("x1 - x2 with x1 = [[2, 3]], x2 = [[1, 4]]", Op::Sub, vec![&x1, &x2], t2(&[1.0, -1.0], 1)),
        ("x2.pow(2.0) with x2 = [[1, 4]]", Op::Pow(2), vec![&x2], t2(&[1.0, 16.0], 1)),
        ("x1.matmul(&w) with x1 = [[2, 3]], w = [[-1], [1.2]]", Op::MatMul, vec![&x1, &w], t2(&[1.6], 1)),
    ];
    for (what, op, inputs, want) in cases {
        let got = run_op(ctx, op, &inputs)?;
        ctx.compare(&format!("The data of `{what}`"), &want, &got)?;
    }
    Ok(())
}

pub fn pow_errors(ctx: &mut Ctx) -> Result<(), Failure> {
    let base = t2(&[1.0, 4.0], 1);
    // Infinities and NaN are not whole numbers either (they travel in a tensor: a plain float cannot carry them).
    let exponents = [2.5, 1.0, 0.0, -3.0, 0.5, -1.5, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 3.0, 2.0, 7.0];
    let out = ctx.call("pow_errors", vec![Value::arg(&base), Value::arg(&Tensor::from_slice(&exponents))])?;
    let Some(Value::List(answers)) = out.first() else {
        return Err(Failure::Grader("the runner sent no answers for `pow_errors`".into()));
    };
    for (e, answer) in exponents.iter().zip(answers) {
        let Value::Str(answer) = answer else { continue };
        let want = if !e.is_finite() || e.fract() != 0.0 {
            "NonIntegerExponent"
        } else if *e < 2.0 {
            "ExponentTooSmall"
        } else {
            "ok"
        };
        if !answer.starts_with(want) {
            let got = if answer == "ok" { "a result".to_string() } else { format!("`Err({})`", answer.split(": ").next().unwrap_or(answer)) };
            let expected = if want == "ok" {
                "a result: whole exponents from 2 up are what `pow` is for".to_string()
            } else {
                format!("`Err(EngineError::{want}(..))`")
            };
            return Err(Failure::wrong(format!(
                "`x.pow({})` returned {got}; expected {expected}. Check the exponent before computing anything: \
                 not a whole number (or not finite) → `NonIntegerExponent`; a whole number below 2 → \
                 `ExponentTooSmall`.",
                exponent_text(*e)
            )));
        }
    }
    Ok(())
}

/// An exponent as Rust code: `2.5`, `f64::INFINITY`, `f64::NAN`.
fn exponent_text(e: f64) -> String {
    if e.is_nan() {
        "f64::NAN".into()
    } else if e == f64::INFINITY {
        "f64::INFINITY".into()
    } else if e == f64::NEG_INFINITY {
        "f64::NEG_INFINITY".into()
    } else {
        format!("{e:?}")
    }
}

pub fn graph_structure(ctx: &mut Ctx) -> Result<(), Failure> {
    let x = t2(&[2.0, 3.0], 1);
    let w1 = t2(&[1.0, 4.0], 1);
    let w2 = t2(&[3.0, -1.0], 1);
    let out = ctx.call("graph_structure", vec![Value::arg(&x), Value::arg(&w1), Value::arg(&w2)])?;
    let [_, Value::Str(top), Value::I64(inputs), Value::Bool(right_is_w2), Value::Str(left), Value::Bool(left_left_is_x), Value::Bool(left_right_is_w1), Value::Bool(leaves_plain)] =
        out.as_slice()
    else {
        return Err(Failure::Grader("the runner sent the wrong answer for `graph_structure`".into()));
    };
    let intro = "For `let test_graph = &(&x + &w1) + &w2;`";
    let problem = if top != "AddNode" {
        format!("`test_graph.grad_fn()` is {}, expected an `AddNode`.", if top.is_empty() { "None".to_string() } else { format!("a `{top}`") })
    } else if *inputs != 2 {
        format!("the `AddNode`'s `inputs()` returned {inputs} tensors; expected 2, the left then the right operand.")
    } else if !right_is_w2 {
        "the top `AddNode`'s right input is not `w2` itself: the node must hold a handle to the very tensor it was \
         given (`right.clone()` of the `Tensor` handle), not a copy of its data."
            .to_string()
    } else if left != "AddNode" {
        format!("the top node's left input should be the result of `x + w1`, made by an `AddNode`; its `grad_fn` is {}.", if left.is_empty() { "None".to_string() } else { format!("a `{left}`") })
    } else if !left_left_is_x || !left_right_is_w1 {
        "the inner `AddNode` does not hold `x` and `w1` themselves as its left and right inputs.".to_string()
    } else if !leaves_plain {
        "`x` and `w1` are leaves, so their `grad_fn()` must stay `None`.".to_string()
    } else {
        return Ok(());
    };
    Err(Failure::wrong(format!("{intro}, {problem}")))
}

pub fn notebook_backward(ctx: &mut Ctx) -> Result<(), Failure> {
    let mut p = Program::default();
    let x = p.leaf("x", t2(&[2.0, 3.0], 1), false);
    let w = p.leaf("w", t2(&[-1.0, 1.2], 2), true);
    let y = p.leaf("y", t2(&[0.2], 1), false);
    let out = p.op("model_out", Op::MatMul, x, w);
    let diff = p.op("diff", Op::Sub, out, y);
    p.unary("loss", Op::Pow(2), diff);
    let answer = ctx.call("graph", p.args())?;
    refused(&answer, "the notebook's loss (x @ w - y) ** 2")?;
    let Some(Value::List(grads)) = answer.get(1) else {
        return Err(Failure::Grader("the runner sent no gradients".into()));
    };
    let context = format!("For the notebook's loss:\n\n{}\n\n", p.describe());
    let Some(Value::Tensor(w_grad)) = grads.get(1) else {
        return Err(Failure::wrong(format!(
            "{context}`w.grad()` is None after `loss.backward()`; expected [[5.6], [8.4]]. The gradient must travel \
             from `loss` through the PowNode, the SubNode and the MatMulNode down to the leaf `w`, which requires \
             grad and so keeps it."
        )));
    };
    let w_grad = w_grad.to_tensor().map_err(|e| Failure::wrong(format!("`w.grad()` is unreadable: {e}")))?;
    ctx.compare(&format!("{context}`w.grad()`"), &t2(&[5.6, 8.4], 2), &w_grad)?;
    for (i, name) in [(0, "x"), (2, "y")] {
        if !matches!(grads.get(i), Some(Value::Unit)) {
            return Err(Failure::wrong(format!(
                "{context}`{name}.grad()` is set, but `{name}` is data that does not require grad: its gradient \
                 must stay None. A leaf keeps a gradient only if `requires_grad()` is true."
            )));
        }
    }
    Ok(())
}
