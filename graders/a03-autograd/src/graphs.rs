//! Task 4: backward through whole graphs, against libtorch's autograd on the
//! same graph: gradients that accumulate over several paths, random graphs
//! of every operation, and a bias broadcast over a batch.

use crate::inputs::{binary_targets, normal_tensor, refused, shape, tensor};
use crate::program::{Node, Op, Program};
use gradwork::compare::CompareOptions;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

/// Runs `program` on the student's engine and compares the output and every
/// leaf's gradient with the oracle's. `advice` explains what a wrong
/// gradient points at.
fn check_program(ctx: &mut Ctx, program: &Program, advice: &dyn Fn(&str, &Tensor, &Tensor) -> String) -> Result<(), Failure> {
    let out = ctx.call("graph", program.args())?;
    refused(&out, "one of the operations")?;
    let want = program.oracle(ctx.device());
    let context = format!("In this graph:\n\n{}\n\n", program.describe());
    let got_output = tensor(&out[0], "the output")?;
    ctx.compare(&format!("{context}the data of the output"), &want.output, &got_output)?;
    let Some(Value::List(grads)) = out.get(1) else {
        return Err(Failure::Grader("the runner sent no gradients".into()));
    };
    for ((leaf, want), got) in program.leaves.iter().zip(&want.grads).zip(grads) {
        let name = &leaf.name;
        match (want, got) {
            (None, Value::Unit) => {}
            (None, _) => {
                return Err(Failure::wrong(format!(
                    "{context}`{name}.grad()` is set, but `{name}` does not require grad: only leaves with \
                     `requires_grad() == true` keep a gradient."
                )))
            }
            (Some(_), Value::Unit) => {
                return Err(Failure::wrong(format!(
                    "{context}`{name}.grad()` is None after `backward()`, but `{name}` requires grad and the output \
                     depends on it. Follow the gradient from the output back to `{name}`: some node's backward does \
                     not pass it on."
                )))
            }
            (Some(want), got) => {
                let got = tensor(got, &format!("`{name}.grad()`"))?;
                let want = want.to_device(tch::Device::Cpu);
                if let Err(Failure::Wrong(m)) = ctx.compare(&format!("{context}`{name}.grad()`"), &want, &got) {
                    return Err(Failure::wrong(format!("{m}\n\n{}", advice(name, &want, &got))));
                }
            }
        }
    }
    Ok(())
}

/// Advice that fits any graph: which leaf, and the usual suspects.
fn general_advice(name: &str, want: &Tensor, got: &Tensor) -> String {
    if want.size() != got.size() {
        return format!(
            "Every gradient has the shape of its tensor: `{name}` is {} but its grad is {}. Where `{name}` was \
             broadcast in `+` or `-`, the node's backward must sum the gradient over the broadcast dimensions \
             (`unbroadcast`) before passing it on.",
            shape(want),
            shape(got)
        );
    }
    if accumulation_lost(want, got) {
        return format!(
            "`{name}.grad()` matches only part of the gradient: a tensor that is used more than once must receive \
             the sum of the gradients of all its uses. Does the leaf add to its `grad` (grad = grad + grad_output), \
             or overwrite it?"
        );
    }
    format!("Check the backward of each node between the output and `{name}` (the `gradcheck-ops` check tests each node alone).")
}

/// Whether `got` is exactly half of `want` (a gradient from two equal paths, one lost).
fn accumulation_lost(want: &Tensor, got: &Tensor) -> bool {
    let options = CompareOptions::with_tolerance(gradwork::compare::Tolerance { rtol: 1e-6, atol: 1e-9 });
    want.size() == got.size() && gradwork::compare::compare_tensors(&(want / 2.0), got, &options).is_ok()
}

pub fn gradient_accumulation(ctx: &mut Ctx) -> Result<(), Failure> {
    let k = ctx.rng().random_range(2..5);
    // w + w: two paths from one leaf.
    let mut p = Program::default();
    let w = p.leaf("w", normal_tensor(ctx.rng(), &[2, k], 1.0), true);
    p.op("y", Op::Add, w, w);
    check_program(ctx, &p, &general_advice)?;
    // w @ w: one leaf on both sides of a product.
    let mut p = Program::default();
    let w = p.leaf("w", normal_tensor(ctx.rng(), &[k, k], 0.7), true);
    p.op("y", Op::MatMul, w, w);
    check_program(ctx, &p, &general_advice)?;
    // h - tanh(h): an inner node used twice.
    let mut p = Program::default();
    let x = p.leaf("x", normal_tensor(ctx.rng(), &[3, 2], 1.0), false);
    let w = p.leaf("w", normal_tensor(ctx.rng(), &[2, k], 0.8), true);
    let h = p.op("h", Op::MatMul, x, w);
    let t = p.unary("t", Op::Tanh, h);
    p.op("y", Op::Sub, h, t);
    check_program(ctx, &p, &general_advice)
}

/// A random activation step.
fn activation(ctx: &mut Ctx, p: &mut Program, name: &str, x: Node) -> Node {
    let op = [Op::Tanh, Op::Sigmoid, Op::Pow(2), Op::Pow(3)][ctx.rng().random_range(0..4)];
    p.unary(name, op, x)
}

/// A two-layer network with a node used twice and a random loss.
fn network_graph(ctx: &mut Ctx) -> Program {
    let (n, d, h) = (ctx.rng().random_range(3..7), ctx.rng().random_range(2..5), ctx.rng().random_range(2..6));
    let mut p = Program::default();
    let x = p.leaf("x", normal_tensor(ctx.rng(), &[n, d], 1.0), false);
    let w1 = p.leaf("w1", normal_tensor(ctx.rng(), &[d, h], 0.6), true);
    let b1 = p.leaf("b1", normal_tensor(ctx.rng(), &[1, h], 0.3), true);
    let w2 = p.leaf("w2", normal_tensor(ctx.rng(), &[h, 1], 0.6), true);
    let b2 = p.leaf("b2", normal_tensor(ctx.rng(), &[1, 1], 0.3), true);
    let t = p.leaf("t", binary_targets(ctx.rng(), n), false);
    let u = p.op("u", Op::MatMul, x, w1);
    let bias_op = if ctx.rng().random_bool(0.5) { Op::Add } else { Op::Sub };
    let z = p.op("z", bias_op, u, b1);
    let a = activation(ctx, &mut p, "a", z);
    // `a` (or `z`) is used twice.
    let r = if ctx.rng().random_bool(0.5) { p.op("r", Op::Add, a, a) } else { p.op("r", Op::Sub, a, z) };
    let o = p.op("o", Op::MatMul, r, w2);
    let logits = p.op("logits", Op::Add, o, b2);
    if ctx.rng().random_bool(0.5) {
        p.op("loss", Op::Bce, logits, t);
    } else {
        let e = p.op("e", Op::Sub, logits, t);
        p.unary("loss", Op::Pow(2), e);
    }
    p
}

/// A chain with a square leaf used twice in one product.
fn square_graph(ctx: &mut Ctx) -> Program {
    let (k, m) = (ctx.rng().random_range(2..5), ctx.rng().random_range(1..4));
    let mut p = Program::default();
    let w = p.leaf("w", normal_tensor(ctx.rng(), &[k, k], 0.5), true);
    let v = p.leaf("v", normal_tensor(ctx.rng(), &[k, m], 0.8), true);
    let ww = p.op("ww", Op::MatMul, w, w);
    let q = p.op("q", Op::MatMul, ww, v);
    let s = activation(ctx, &mut p, "s", q);
    let d = p.op("d", Op::Sub, s, q);
    p.unary("out", Op::Pow(2), d);
    p
}

/// Broadcasting both ways: a row and a column against a matrix.
fn broadcast_graph(ctx: &mut Ctx) -> Program {
    let (n, m) = (ctx.rng().random_range(2..6), ctx.rng().random_range(2..6));
    let mut p = Program::default();
    let a = p.leaf("a", normal_tensor(ctx.rng(), &[n, m], 1.0), true);
    let row = p.leaf("row", normal_tensor(ctx.rng(), &[1, m], 1.0), true);
    let col = p.leaf("col", normal_tensor(ctx.rng(), &[n, 1], 1.0), true);
    let e = p.op("e", Op::Sub, a, row);
    let f = p.op("f", Op::Add, col, e);
    let g = p.unary("g", Op::Sigmoid, f);
    let h = p.unary("h", Op::Tanh, e);
    let k = p.op("k", Op::Sub, g, h);
    p.unary("out", Op::Pow(3), k);
    p
}

pub fn random_graphs(ctx: &mut Ctx) -> Result<(), Failure> {
    let programs = [network_graph(ctx), network_graph(ctx), square_graph(ctx), broadcast_graph(ctx)];
    for p in &programs {
        check_program(ctx, p, &general_advice)?;
    }
    Ok(())
}

pub fn bias_broadcast(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, d, h) = (8, 3, 5);
    let params = [
        ("w1", normal_tensor(ctx.rng(), &[d, h], 0.6)),
        ("b1", normal_tensor(ctx.rng(), &[1, h], 0.3)),
        ("w2", normal_tensor(ctx.rng(), &[h, 1], 0.6)),
        ("b2", normal_tensor(ctx.rng(), &[1, 1], 0.3)),
    ];
    let x = normal_tensor(ctx.rng(), &[n, d], 1.0);
    let y = binary_targets(ctx.rng(), n);
    let mut args: Vec<Value> = params.iter().map(|(_, t)| Value::arg(t)).collect();
    args.extend([Value::arg(&x), Value::arg(&y)]);
    let out = ctx.call("classifier_grads", args)?;
    let Some(Value::List(grads)) = out.get(1) else {
        return Err(Failure::Grader("the runner sent no gradients".into()));
    };
    // The oracle: the same network and loss with libtorch's autograd.
    let mut p = Program::default();
    let xs = p.leaf("x", x.shallow_clone(), false);
    let nodes: Vec<Node> = params.iter().map(|(name, t)| p.leaf(name, t.shallow_clone(), true)).collect();
    let ys = p.leaf("y", y.shallow_clone(), false);
    let u = p.op("u", Op::MatMul, xs, nodes[0]);
    let z = p.op("z", Op::Add, u, nodes[1]);
    let a = p.unary("hidden", Op::Tanh, z);
    let o = p.op("o", Op::MatMul, a, nodes[2]);
    let logits = p.op("logits", Op::Add, o, nodes[3]);
    p.op("loss", Op::Bce, logits, ys);
    let want = p.oracle(ctx.device());
    let setting = format!("the classifier's forward pass on a batch of {n} rows (x [{n}, {d}], w1 [{d}, {h}], b1 [1, {h}], w2 [{h}, 1], b2 [1, 1]), then `bce_with_logits(...).backward()`");
    // Shapes first: the notebook's bug leaves a bias gradient with the batch's shape.
    for (i, (name, t)) in params.iter().enumerate() {
        let Some(Value::Tensor(g)) = grads.get(i) else {
            return Err(Failure::wrong(format!("After {setting}, `{name}.grad()` is None; every parameter should have a gradient.")));
        };
        if g.shape != t.size() {
            return Err(Failure::wrong(format!(
                "After {setting}, `{name}.grad()` has shape {:?}, but `{name}` has shape {:?}: every leaf's gradient \
                 must have its leaf's shape. `{name}` is broadcast over the batch in `+`, so `AddNode::backward` must \
                 sum the gradient over the batch dimension (`unbroadcast(grad_output, &shape)`) before passing it \
                 to `{name}`. (The notebook summed the bias gradient inside the optimizer's `step` instead: training \
                 still works, but `{name}.grad()` is wrong, and any other code that reads it breaks.)",
                g.shape,
                t.size()
            )));
        }
    }
    for (i, (name, _)) in params.iter().enumerate() {
        let got = tensor(&grads[i], &format!("`{name}.grad()`"))?;
        if let Some(want) = &want.grads[i + 1] {
            ctx.compare(&format!("After {setting}, `{name}.grad()`"), &want.to_device(tch::Device::Cpu), &got)?;
        }
    }
    // And a plain broadcast subtraction, both ways.
    let mut p = Program::default();
    let a = p.leaf("a", normal_tensor(ctx.rng(), &[4, 3], 1.0), true);
    let row = p.leaf("row", normal_tensor(ctx.rng(), &[1, 3], 1.0), true);
    let col = p.leaf("col", normal_tensor(ctx.rng(), &[4, 1], 1.0), true);
    let e = p.op("e", Op::Sub, row, a);
    let f = p.op("f", Op::Sub, e, col);
    p.unary("out", Op::Pow(2), f);
    check_program(ctx, &p, &general_advice)
}
