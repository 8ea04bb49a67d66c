//! The oracle: the same two-layer network in libtorch, differentiated by
//! autograd. Everything the network checks expect comes from here.

use crate::inputs::normal_tensor;
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// The hidden activation, as the runner names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// max(0, z)
    Relu,
    /// the logistic sigmoid
    Sigmoid,
}

impl Act {
    /// The name the runner understands and messages use.
    pub fn name(self) -> &'static str {
        match self {
            Act::Relu => "relu",
            Act::Sigmoid => "sigmoid",
        }
    }

    fn apply(self, z: &Tensor) -> Tensor {
        match self {
            Act::Relu => z.relu(),
            Act::Sigmoid => z.sigmoid(),
        }
    }
}

/// A network's parameters (f64).
pub struct Params {
    /// (D, H)
    pub w1: Tensor,
    /// (1, H)
    pub b1: Tensor,
    /// (H, C)
    pub w2: Tensor,
    /// (1, C)
    pub b2: Tensor,
}

/// The parameters' names, as the student's `Gradients` fields call their gradients.
pub const GRAD_NAMES: [&str; 4] = ["d_w1", "d_b1", "d_w2", "d_b2"];

impl Params {
    /// Random weights N(0, scale²) and small random biases (non-zero, so that
    /// a wrong bias gradient shows).
    pub fn random(rng: &mut impl Rng, d: i64, h: i64, c: i64, scale: f64) -> Params {
        Params {
            w1: normal_tensor(rng, &[d, h], scale),
            b1: normal_tensor(rng, &[1, h], 0.1),
            w2: normal_tensor(rng, &[h, c], scale),
            b2: normal_tensor(rng, &[1, c], 0.1),
        }
    }

    /// The four tensors in order.
    pub fn list(&self) -> [&Tensor; 4] {
        [&self.w1, &self.b1, &self.w2, &self.b2]
    }

    /// Copies of the four tensors, in order.
    pub fn to_vec(&self) -> Vec<Tensor> {
        self.list().iter().map(|t| t.copy()).collect()
    }

    /// The runner's arguments for a network: activation name, then w1, b1, w2, b2.
    pub fn args(&self, act: Act) -> Vec<Value> {
        let mut args = vec![Value::Str(act.name().into())];
        args.extend(self.list().iter().map(|t| Value::arg(t)));
        args
    }
}

/// What the oracle computes for one batch.
pub struct Outcome {
    /// mean cross-entropy
    pub loss: f64,
    /// softmax probabilities (N, C)
    pub probs: Tensor,
    /// x·W1 + b1
    pub z1: Tensor,
    /// act(z1)
    pub a1: Tensor,
    /// a1·W2 + b2
    pub scores: Tensor,
    /// the gradients of the loss, in the order w1, b1, w2, b2
    pub grads: Vec<Tensor>,
}

/// Forward and autograd backward of the network on (x, y), on `device`.
pub fn run(act: Act, params: &[Tensor], x: &Tensor, y: &Tensor, device: Device) -> Outcome {
    let leaves: Vec<Tensor> = params.iter().map(|p| p.to_device(device).detach().set_requires_grad(true)).collect();
    let (x, y) = (x.to_device(device), y.to_device(device));
    let z1 = x.matmul(&leaves[0]) + &leaves[1];
    let a1 = act.apply(&z1);
    let scores = a1.matmul(&leaves[2]) + &leaves[3];
    // Not `cross_entropy_for_logits`: it computes in f32.
    let loss = -scores.log_softmax(1, Kind::Double).gather(1, &y.unsqueeze(1), false).mean(Kind::Double);
    let grads = Tensor::run_backward(&[&loss], &leaves, false, false);
    Outcome {
        loss: loss.double_value(&[]),
        probs: scores.softmax(1, Kind::Double).detach(),
        z1: z1.detach(),
        a1: a1.detach(),
        scores: scores.detach(),
        grads,
    }
}

/// Full-batch gradient descent from `params`: the loss before each of
/// `epochs` updates, and the parameters after the last one.
pub fn train(act: Act, params: &[Tensor], x: &Tensor, y: &Tensor, lr: f64, epochs: i64, device: Device) -> (Vec<f64>, Vec<Tensor>) {
    let mut current: Vec<Tensor> = params.iter().map(|p| p.to_device(device)).collect();
    let mut losses = Vec::new();
    for _ in 0..epochs {
        let out = run(act, &current, x, y, device);
        current = current.iter().zip(&out.grads).map(|(p, g)| p - g * lr).collect();
        losses.push(out.loss);
    }
    (losses, current)
}

/// The value of `t` as an f64 CPU tensor (oracle results may live on a GPU).
pub fn cpu(t: &Tensor) -> Tensor {
    t.to_device(Device::Cpu).to_kind(Kind::Double)
}
