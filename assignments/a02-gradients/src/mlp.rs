//! Part C: a two-layer network (input → hidden → class scores) written with
//! plain tensor operations, and its backward pass worked out by hand.
//!
//! No autograd in this file: `backward`, `grad`, `requires_grad_`,
//! `set_requires_grad` and `run_backward` are forbidden here (so also do not
//! name a variable `grad`: call it `d_w1`, `dscores`, …). Every tensor is f64;
//! class labels are i64.

#[allow(unused_imports)]
use tch::{Kind, Tensor};

/// The hidden layer's activation function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// max(0, z)
    Relu,
    /// 1 / (1 + e^(−z))
    Sigmoid,
}

impl Activation {
    /// The activation applied element-wise (calls your [`relu`] or [`sigmoid`]).
    pub fn apply(self, z: &Tensor) -> Tensor {
        match self {
            Activation::Relu => relu(z),
            Activation::Sigmoid => sigmoid(z),
        }
    }

    /// Its derivative at `z`, element-wise (calls your [`relu_derivative`] or [`sigmoid_derivative`]).
    pub fn derivative(self, z: &Tensor) -> Tensor {
        match self {
            Activation::Relu => relu_derivative(z),
            Activation::Sigmoid => sigmoid_derivative(z),
        }
    }
}

/// Exercise 6a: ReLU, max(0, z), element-wise.
pub fn relu(z: &Tensor) -> Tensor {
    // TODO: keep the positive part, zero elsewhere
    todo!()
}

/// Exercise 6b: the derivative of ReLU at `z`: 1 where z > 0, else 0 (same dtype as `z`).
pub fn relu_derivative(z: &Tensor) -> Tensor {
    // TODO: a 0/1 mask of the positive entries, as numbers
    todo!()
}

/// Exercise 6c: the logistic sigmoid 1 / (1 + e^(−z)), element-wise.
pub fn sigmoid(z: &Tensor) -> Tensor {
    // TODO: write the formula with tensor operations (libtorch's own `sigmoid()` is allowed too)
    todo!()
}

/// Exercise 6d: the derivative of the sigmoid at `z`: s·(1 − s) with s = sigmoid(z).
pub fn sigmoid_derivative(z: &Tensor) -> Tensor {
    // TODO: the sigmoid of z first, then s·(1 − s)
    todo!()
}

/// Exercise 7: the softmax of each row of `logits` (N, C), computed stably: it
/// must give finite probabilities even for logits like ±1000.
pub fn softmax(logits: &Tensor) -> Tensor {
    // TODO: subtract each row's maximum before exponentiating, then normalise the row
    todo!()
}

/// Exercise 8: the cross-entropy of probabilities `probs` (N, C) against class
/// labels `y` (N,) i64: −(1/N) Σᵢ ln probs[i, yᵢ], the mean over the batch.
pub fn cross_entropy(probs: &Tensor, y: &Tensor) -> f64 {
    // TODO: pick each row's probability of its true class, take −ln, average
    todo!()
}

/// The network's parameters: `w1` (D, H), `b1` (1, H), `w2` (H, C), `b2` (1, C), all f64.
#[derive(Debug)]
pub struct Mlp {
    /// first layer weights, (D, H)
    pub w1: Tensor,
    /// first layer bias, (1, H)
    pub b1: Tensor,
    /// second layer weights, (H, C)
    pub w2: Tensor,
    /// second layer bias, (1, C)
    pub b2: Tensor,
    /// the hidden activation
    pub activation: Activation,
}

/// What the forward pass keeps for the backward pass.
#[derive(Debug)]
pub struct Cache {
    /// the input batch, (N, D)
    pub x: Tensor,
    /// hidden pre-activations x·W1 + b1, (N, H)
    pub z1: Tensor,
    /// hidden activations, (N, H)
    pub a1: Tensor,
    /// class scores (logits) a1·W2 + b2, (N, C)
    pub scores: Tensor,
}

/// The gradients of the loss with respect to each parameter, shaped like the parameter.
#[derive(Debug)]
pub struct Gradients {
    /// ∂L/∂W1, (D, H)
    pub d_w1: Tensor,
    /// ∂L/∂b1, (1, H)
    pub d_b1: Tensor,
    /// ∂L/∂W2, (H, C)
    pub d_w2: Tensor,
    /// ∂L/∂b2, (1, C)
    pub d_b2: Tensor,
}

impl Mlp {
    /// A network with weights drawn from N(0, weight_scale²) and zero biases (given).
    pub fn new(input_dim: i64, hidden_dim: i64, output_dim: i64, activation: Activation, weight_scale: f64) -> Mlp {
        let opts = (Kind::Double, tch::Device::Cpu);
        Mlp {
            w1: Tensor::randn([input_dim, hidden_dim], opts) * weight_scale,
            b1: Tensor::zeros([1, hidden_dim], opts),
            w2: Tensor::randn([hidden_dim, output_dim], opts) * weight_scale,
            b2: Tensor::zeros([1, output_dim], opts),
            activation,
        }
    }

    /// Exercise 9: the forward pass on a batch `x` (N, D): returns the scores
    /// (N, C) and the cache the backward pass needs.
    pub fn forward(&self, x: &Tensor) -> (Tensor, Cache) {
        // TODO: z1 = x·W1 + b1, a1 = act(z1), scores = a1·W2 + b2
        todo!()
    }

    /// The loss on a batch (given): forward, softmax, cross-entropy. Returns
    /// the loss, the probabilities (N, C) and the cache.
    pub fn loss(&self, x: &Tensor, y: &Tensor) -> (f64, Tensor, Cache) {
        let (scores, cache) = self.forward(x);
        let probs = softmax(&scores);
        let loss = cross_entropy(&probs, y);
        (loss, probs, cache)
    }

    /// Exercise 10: the backward pass by hand: the gradients of the mean
    /// cross-entropy with respect to W1, b1, W2 and b2, from the
    /// probabilities, the cache and the labels.
    pub fn backward_pass(&self, probs: &Tensor, cache: &Cache, y: &Tensor) -> Gradients {
        // TODO: dscores = (probs − one_hot(y)) / N (`onehot` gives f32: convert it to f64), then the chain rule back through both layers
        todo!()
    }

    /// Exercise 11: full-batch gradient descent: `epochs` times, compute the loss
    /// and the gradients on all of (x, y), then move every parameter by −lr × its
    /// gradient. Returns the loss of each epoch, measured before that epoch's update.
    pub fn train(&mut self, x: &Tensor, y: &Tensor, lr: f64, epochs: i64) -> Vec<f64> {
        // TODO: loss, backward_pass, update the four parameters, remember the loss
        todo!()
    }
}
