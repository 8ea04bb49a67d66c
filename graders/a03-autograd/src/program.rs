//! Engine graphs as plain programs: leaves, then steps that each apply one
//! operation to earlier nodes. The runner builds a program with the
//! student's engine; the grader builds the same program with libtorch's
//! autograd (the oracle) and compares the output and every leaf's gradient.

use gradwork::value::Value;
use tch::{Device, Kind, Tensor};

/// An operation of the engine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// a + b (broadcasting)
    Add,
    /// a − b (broadcasting)
    Sub,
    /// a @ b
    MatMul,
    /// a ** n
    Pow(i64),
    /// tanh(a)
    Tanh,
    /// sigmoid(a)
    Sigmoid,
    /// mean BCE of logits a against targets b
    Bce,
}

impl Op {
    /// The runner's name of the operation.
    pub fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Sub => "sub",
            Op::MatMul => "matmul",
            Op::Pow(_) => "pow",
            Op::Tanh => "tanh",
            Op::Sigmoid => "sigmoid",
            Op::Bce => "bce",
        }
    }

    /// The student's node for this operation.
    pub fn node(self) -> &'static str {
        match self {
            Op::Add => "AddNode",
            Op::Sub => "SubNode",
            Op::MatMul => "MatMulNode",
            Op::Pow(_) => "PowNode",
            Op::Tanh => "TanhNode",
            Op::Sigmoid => "SigmoidNode",
            Op::Bce => "BceNode",
        }
    }

    /// The exponent sent with `pow` (0 otherwise).
    pub fn exponent(self) -> f64 {
        if let Op::Pow(n) = self {
            n as f64
        } else {
            0.0
        }
    }

    /// How the operation reads in a message, on operands `a` and `b`.
    pub fn describe(self, a: &str, b: &str) -> String {
        match self {
            Op::Add => format!("&{a} + &{b}"),
            Op::Sub => format!("&{a} - &{b}"),
            Op::MatMul => format!("{a}.matmul(&{b})"),
            Op::Pow(n) => format!("{a}.pow({n}.0)?"),
            Op::Tanh => format!("{a}.tanh()"),
            Op::Sigmoid => format!("{a}.sigmoid()"),
            Op::Bce => format!("bce_with_logits(&{a}, &{b})"),
        }
    }

    /// The operation in libtorch (differentiable by autograd).
    pub fn apply(self, a: &Tensor, b: &Tensor) -> Tensor {
        match self {
            Op::Add => a + b,
            Op::Sub => a - b,
            Op::MatMul => a.matmul(b),
            Op::Pow(n) => a.pow_tensor_scalar(n),
            Op::Tanh => a.tanh(),
            Op::Sigmoid => a.sigmoid(),
            Op::Bce => a.binary_cross_entropy_with_logits::<Tensor>(b, None, None, tch::Reduction::Mean),
        }
    }
}

/// A leaf: name, data, and whether it requires grad.
pub struct Leaf {
    /// its name in messages
    pub name: String,
    /// its data (f64, CPU)
    pub data: Tensor,
    /// whether gradients accumulate into it
    pub requires_grad: bool,
}

struct Step {
    name: String,
    op: Op,
    a: usize,
    b: usize,
}

/// A graph: leaves, then steps; the last step is the output.
#[derive(Default)]
pub struct Program {
    /// the leaves, in order
    pub leaves: Vec<Leaf>,
    steps: Vec<Step>,
}

/// A node of a [`Program`] (its index).
#[derive(Debug, Clone, Copy)]
pub struct Node(usize);

/// What the oracle computes for a program.
pub struct Outcome {
    /// the output's data
    pub output: Tensor,
    /// each leaf's gradient of sum(output), `None` for leaves that do not require grad
    pub grads: Vec<Option<Tensor>>,
}

impl Program {
    /// A new leaf.
    pub fn leaf(&mut self, name: &str, data: Tensor, requires_grad: bool) -> Node {
        assert!(self.steps.is_empty(), "a program's leaves come before its steps");
        self.leaves.push(Leaf { name: name.into(), data, requires_grad });
        Node(self.leaves.len() - 1)
    }

    /// A new step `name = op(a, b)` (unary operations ignore `b`).
    pub fn op(&mut self, name: &str, op: Op, a: Node, b: Node) -> Node {
        self.steps.push(Step { name: name.into(), op, a: a.0, b: b.0 });
        Node(self.leaves.len() + self.steps.len() - 1)
    }

    /// A unary step.
    pub fn unary(&mut self, name: &str, op: Op, a: Node) -> Node {
        self.op(name, op, a, a)
    }

    fn name_of(&self, i: usize) -> &str {
        if i < self.leaves.len() {
            &self.leaves[i].name
        } else {
            &self.steps[i - self.leaves.len()].name
        }
    }

    /// The program as Rust a student can read (and run on their own engine).
    pub fn describe(&self) -> String {
        let mut lines = Vec::new();
        for l in &self.leaves {
            let grad = if l.requires_grad { "true" } else { "false" };
            lines.push(format!("let {} = tensor(/* {:?} */, {grad});", l.name, l.data.size()));
        }
        for s in &self.steps {
            lines.push(format!("let {} = {};", s.name, s.op.describe(self.name_of(s.a), self.name_of(s.b))));
        }
        if let Some(last) = self.steps.last() {
            lines.push(format!("{}.backward();", last.name));
        }
        format!("```rust\n{}\n```", lines.join("\n"))
    }

    /// The runner's arguments: leaves, requires_grad flags, steps.
    pub fn args(&self) -> Vec<Value> {
        let leaves = self.leaves.iter().map(|l| Value::arg(&l.data)).collect();
        let flags = self.leaves.iter().map(|l| Value::Bool(l.requires_grad)).collect();
        let steps = self
            .steps
            .iter()
            .map(|s| Value::List(vec![Value::Str(s.op.name().into()), Value::I64(s.a as i64), Value::I64(s.b as i64), Value::F64(s.op.exponent())]))
            .collect();
        vec![Value::List(leaves), Value::List(flags), Value::List(steps)]
    }

    /// The program in libtorch: its output and, by autograd, each leaf's
    /// gradient of the sum of the output (backward from ones).
    pub fn oracle(&self, device: Device) -> Outcome {
        let leaves: Vec<Tensor> = self
            .leaves
            .iter()
            .map(|l| {
                let t = l.data.to_device(device).detach();
                if l.requires_grad {
                    t.set_requires_grad(true)
                } else {
                    t
                }
            })
            .collect();
        let mut nodes: Vec<Tensor> = leaves.iter().map(|t| t.shallow_clone()).collect();
        for s in &self.steps {
            let out = s.op.apply(&nodes[s.a], &nodes[s.b]);
            nodes.push(out);
        }
        let output = nodes.last().map(|t| t.shallow_clone()).unwrap_or_default();
        let wanted: Vec<&Tensor> = leaves.iter().zip(&self.leaves).filter(|(_, l)| l.requires_grad).map(|(t, _)| t).collect();
        let mut grads_of_wanted = if wanted.is_empty() {
            Vec::new()
        } else {
            Tensor::run_backward(&[&output.sum(Kind::Double)], &wanted, false, false)
        }
        .into_iter();
        let grads = self.leaves.iter().map(|l| if l.requires_grad { grads_of_wanted.next() } else { None }).collect();
        Outcome { output: output.detach(), grads }
    }
}
