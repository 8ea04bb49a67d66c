//! Task 3: every node's backward, through the harness's gradient check. The
//! adapter's forward and vector-Jacobian product are calls into the runner,
//! which builds the operation on the student's engine (the vjp calls
//! `backward_with(cotangent)` on the result and reads the leaves' grads).

use crate::inputs::{binary_tensor, refused, tensor};
use crate::program::Op;
use gradwork::gradcheck::{gradcheck, random_input, Differentiable, GradcheckOptions, Mode};
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use tch::{Kind, Tensor};

/// One operation of the student's engine as a differentiable function of its inputs.
struct EngineOp<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    op: Op,
    /// the targets of `bce` (empty otherwise)
    extra: Tensor,
    names: Vec<&'static str>,
}

impl EngineOp<'_, '_> {
    fn args(&self, inputs: &[Tensor]) -> Vec<Value> {
        vec![
            Value::Str(self.op.name().into()),
            Value::F64(self.op.exponent()),
            Value::arg(&self.extra),
            Value::List(inputs.iter().map(Value::arg).collect()),
        ]
    }

    fn call_text(&self) -> String {
        self.op.describe(self.names[0], self.names.get(1).copied().unwrap_or("targets"))
    }
}

impl Differentiable for EngineOp<'_, '_> {
    fn forward(&mut self, inputs: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let args = self.args(inputs);
        let out = self.ctx.call("op_forward", args)?;
        refused(&out, &self.call_text())?;
        Ok(vec![tensor(&out[0], "the result")?])
    }

    fn vjp(&mut self, inputs: &[Tensor], cotangents: &[Tensor]) -> Result<Vec<Tensor>, Failure> {
        let mut args = self.args(inputs);
        args.push(Value::arg(&cotangents[0]));
        let out = self.ctx.call("op_vjp", args)?;
        refused(&out, &self.call_text())?;
        let Some(Value::List(grads)) = out.first() else {
            return Err(Failure::Grader("the runner sent no gradients for `op_vjp`".into()));
        };
        grads
            .iter()
            .enumerate()
            .map(|(i, g)| match g {
                Value::Unit => Err(Failure::wrong(format!(
                    "After `result.backward_with(&g)` on `result = {}`, the input `{}` (a leaf that requires grad) \
                     has no gradient: `{}::backward` must pass a gradient to every input with `backward_with`.",
                    self.call_text(),
                    self.names.get(i).copied().unwrap_or("?"),
                    self.op.node()
                ))),
                other => tensor(other, "a gradient"),
            })
            .collect()
    }

    fn input_name(&self, i: usize) -> String {
        self.names.get(i).map(|s| s.to_string()).unwrap_or_else(|| format!("input {i}"))
    }

    fn output_name(&self, _: usize) -> String {
        "result".into()
    }
}

/// One case: an operation, its input shapes, and what to say about them.
struct Case {
    op: Op,
    shapes: Vec<Vec<i64>>,
    note: &'static str,
}

fn case(op: Op, shapes: &[&[i64]], note: &'static str) -> Case {
    Case { op, shapes: shapes.iter().map(|s| s.to_vec()).collect(), note }
}

fn run(ctx: &mut Ctx, cases: &[Case], mode: Mode) -> Result<(), Failure> {
    for (k, c) in cases.iter().enumerate() {
        let names: Vec<&'static str> = match (c.op, c.shapes.len()) {
            (Op::Bce, _) => vec!["logits"],
            (_, 1) => vec!["x"],
            _ => vec!["a", "b"],
        };
        // Away from 0 and not too large: tanh and sigmoid stay in their curved range.
        let inputs: Vec<Tensor> = c.shapes.iter().map(|s| random_input(ctx.rng(), s, 0.05) * 0.8).collect();
        let extra = if c.op == Op::Bce { binary_tensor(ctx.rng(), &c.shapes[0]) } else { Tensor::zeros([0], (Kind::Double, tch::Device::Cpu)) };
        let options = GradcheckOptions { mode, seed: ctx.seed().wrapping_add(k as u64), ..GradcheckOptions::default() };
        let shapes: Vec<String> = names.iter().zip(&c.shapes).map(|(n, s)| format!("{n} {s:?}")).collect();
        let mut target = EngineOp { ctx: &mut *ctx, op: c.op, extra, names: names.clone() };
        let call = target.call_text();
        let report = gradcheck(&mut target, &inputs, &options).map_err(|f| match f {
            Failure::Wrong(m) => Failure::wrong(format!(
                "Gradient check of `{}` (`result = {call}` with {}{}):\n\n{m}\n\n{}",
                c.op.node(),
                shapes.join(", "),
                c.note,
                node_hint(c.op)
            )),
            other => other,
        })?;
        ctx.note_tolerance_used(report.max_error_ratio);
    }
    Ok(())
}

/// What each node's backward must send to its inputs.
fn node_hint(op: Op) -> &'static str {
    match op {
        Op::Add => "`AddNode::backward` sends grad_output to both inputs, each summed down to its own shape with `unbroadcast` (a broadcast input receives the sum over the dimensions it was repeated along, and over the leading dimensions it lacks).",
        Op::Sub => "`SubNode::backward` sends +grad_output to the left input and −grad_output to the right one, each summed down to its own shape with `unbroadcast`.",
        Op::MatMul => "`MatMulNode::backward` sends grad_output · rightᵀ to the left input and leftᵀ · grad_output to the right one.",
        Op::Pow(_) => "`PowNode::backward` sends n · base^(n−1) · grad_output (element-wise) to the base.",
        Op::Tanh => "`TanhNode::backward` sends (1 − tanh²(x)) · grad_output to x.",
        Op::Sigmoid => "`SigmoidNode::backward` sends s · (1 − s) · grad_output to x, where s = sigmoid(x) is the node's output: not x · (1 − x) of the input.",
        Op::Bce => "`BceNode::backward` sends (sigmoid(z) − y) / (number of elements of z, all rows and columns) · grad_output to the logits z.",
    }
}

pub fn gradcheck_small(ctx: &mut Ctx) -> Result<(), Failure> {
    let cases = [
        case(Op::Add, &[&[2, 3], &[2, 3]], ""),
        case(Op::Add, &[&[2, 3], &[1, 3]], "; b is broadcast over the rows, like a bias"),
        case(Op::Sub, &[&[2, 3], &[2, 3]], ""),
        case(Op::Sub, &[&[3, 2], &[1, 2]], "; b is broadcast over the rows"),
        case(Op::MatMul, &[&[2, 3], &[3, 2]], ""),
        case(Op::Pow(2), &[&[2, 3]], ""),
        case(Op::Pow(3), &[&[2, 3]], ""),
        case(Op::Tanh, &[&[2, 3]], ""),
        case(Op::Sigmoid, &[&[2, 3]], ""),
        case(Op::Bce, &[&[4, 1]], "; the targets are fixed 0/1 data"),
        case(Op::Bce, &[&[3, 4]], "; the mean is over all 12 elements; the targets are fixed 0/1 data"),
    ];
    run(ctx, &cases, Mode::Slow)
}

pub fn gradcheck_large(ctx: &mut Ctx) -> Result<(), Failure> {
    let cases = [
        case(Op::Add, &[&[32, 24], &[1, 24]], "; b is broadcast over the rows, like a bias"),
        case(Op::Add, &[&[32, 1], &[32, 24]], "; a is broadcast over the columns"),
        case(Op::Sub, &[&[1, 24], &[32, 24]], "; a is broadcast over the rows"),
        case(Op::MatMul, &[&[24, 16], &[16, 12]], ""),
        case(Op::Pow(4), &[&[16, 16]], ""),
        case(Op::Tanh, &[&[32, 24]], ""),
        case(Op::Sigmoid, &[&[32, 24]], ""),
        case(Op::Add, &[&[32, 24], &[24]], "; b is 1-D and broadcast over the rows"),
        case(Op::Sub, &[&[24], &[32, 24]], "; a is 1-D and broadcast over the rows"),
        case(Op::Bce, &[&[64, 1]], "; the targets are fixed 0/1 data"),
        case(Op::Bce, &[&[16, 8]], "; the mean is over all 128 elements; the targets are fixed 0/1 data"),
    ];
    run(ctx, &cases, Mode::Fast)
}
