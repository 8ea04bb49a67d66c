//! Tasks 2 and 3: the operations of the engine, each with its backward node.
//!
//! An operation computes its result from its inputs' data and returns
//! `Tensor::from_op(result, Rc::new(SomeNode { ... }))`. The node keeps what
//! its backward needs (its inputs) and, in `backward`, sends each input
//! ∂L/∂input = (∂output/∂input)ᵀ · grad_output through `input.backward_with(...)`.

use super::{EngineError, Node, Tensor};
#[allow(unused_imports)]
use std::rc::Rc;

/// Sums `grad` down to `shape`, undoing broadcasting: every leading dimension
/// that `shape` lacks is summed away, and every dimension that `shape` has as
/// 1 where `grad` is larger is summed over (keeping the dimension). A bias of
/// shape (1, H) or (H,) added to a batch (N, H) gets the sum over the batch.
/// Returns `grad` unchanged when the shapes match.
pub fn unbroadcast(grad: &tch::Tensor, shape: &[i64]) -> tch::Tensor {
    // BEGIN SOLUTION: libtorch's `sum_to_size` does exactly this
    if grad.size() == shape {
        grad.shallow_clone()
    } else {
        grad.sum_to_size(shape)
    }
    // END SOLUTION
}

/// `left + right`, element-wise with broadcasting.
pub fn add(left: &Tensor, right: &Tensor) -> Tensor {
    // BEGIN SOLUTION: add the data, record an AddNode holding both inputs
    Tensor::from_op(left.data() + right.data(), Rc::new(AddNode { left: left.clone(), right: right.clone() }))
    // END SOLUTION
}

/// `left − right`, element-wise with broadcasting.
pub fn sub(left: &Tensor, right: &Tensor) -> Tensor {
    // BEGIN SOLUTION: subtract the data, record a SubNode
    Tensor::from_op(left.data() - right.data(), Rc::new(SubNode { left: left.clone(), right: right.clone() }))
    // END SOLUTION
}

/// `left @ right` for 2-D tensors (N, K) and (K, M).
pub fn matmul(left: &Tensor, right: &Tensor) -> Tensor {
    // BEGIN SOLUTION: the matrix product of the data, record a MatMulNode
    Tensor::from_op(left.data().matmul(&right.data()), Rc::new(MatMulNode { left: left.clone(), right: right.clone() }))
    // END SOLUTION
}

/// `base ** exponent` element-wise. The exponent must be a whole number ≥ 2:
/// 2.5 is [`EngineError::NonIntegerExponent`], 1 or −3 is
/// [`EngineError::ExponentTooSmall`] (an error to return, never a panic).
pub fn pow(base: &Tensor, exponent: f64) -> Result<Tensor, EngineError> {
    // BEGIN SOLUTION: validate the exponent first, then compute and record a PowNode
    if !exponent.is_finite() || exponent.fract() != 0.0 {
        return Err(EngineError::NonIntegerExponent(exponent));
    }
    let exponent = exponent as i64;
    if exponent < 2 {
        return Err(EngineError::ExponentTooSmall(exponent));
    }
    let data = base.data().pow_tensor_scalar(exponent);
    Ok(Tensor::from_op(data, Rc::new(PowNode { base: base.clone(), exponent })))
    // END SOLUTION
}

/// tanh, element-wise.
pub fn tanh(x: &Tensor) -> Tensor {
    Tensor::from_op(x.data().tanh(), Rc::new(TanhNode { x: x.clone() })) // SOLUTION: tanh of the data, record a TanhNode
}

/// The logistic sigmoid 1 / (1 + e^(−x)), element-wise.
pub fn sigmoid(x: &Tensor) -> Tensor {
    Tensor::from_op(x.data().sigmoid(), Rc::new(SigmoidNode { x: x.clone() })) // SOLUTION: sigmoid of the data, record a SigmoidNode
}

/// Binary cross-entropy on logits, averaged over every element (all rows and
/// columns): mean of −[y·ln σ(z) + (1 − y)·ln(1 − σ(z))], computed stably as
/// max(z, 0) − z·y + ln(1 + e^(−|z|)), finite even for logits of ±1000. The
/// result has shape [] (one number). The targets (shaped like the logits) are
/// data: no gradient flows to them.
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Tensor {
    // BEGIN SOLUTION: the stable formula on the data, its mean, and a BceNode
    let (z, y) = (logits.data(), targets.data());
    let per_element = z.clamp_min(0.0) - &z * &y + (-z.abs()).exp().log1p();
    let loss = per_element.mean(None);
    Tensor::from_op(loss, Rc::new(BceNode { logits: logits.clone(), targets: targets.clone() }))
    // END SOLUTION
}

/// The node of `left + right`.
pub struct AddNode {
    /// the left operand
    pub left: Tensor,
    /// the right operand
    pub right: Tensor,
}

impl Node for AddNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: both inputs get grad_output, each reduced to its own shape
        self.left.backward_with(&unbroadcast(grad_output, &self.left.shape()));
        self.right.backward_with(&unbroadcast(grad_output, &self.right.shape()));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "AddNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.left.clone(), self.right.clone()]
    }
}

/// The node of `left − right`.
pub struct SubNode {
    /// the left operand
    pub left: Tensor,
    /// the right operand
    pub right: Tensor,
}

impl Node for SubNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: +grad_output to the left, −grad_output to the right, each reduced to its shape
        self.left.backward_with(&unbroadcast(grad_output, &self.left.shape()));
        self.right.backward_with(&unbroadcast(&(-grad_output), &self.right.shape()));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "SubNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.left.clone(), self.right.clone()]
    }
}

/// The node of `left @ right`.
pub struct MatMulNode {
    /// the left factor (N, K)
    pub left: Tensor,
    /// the right factor (K, M)
    pub right: Tensor,
}

impl Node for MatMulNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: G·Rᵀ to the left, Lᵀ·G to the right
        self.left.backward_with(&grad_output.matmul(&self.right.data().transpose(0, 1)));
        self.right.backward_with(&self.left.data().transpose(0, 1).matmul(grad_output));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "MatMulNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.left.clone(), self.right.clone()]
    }
}

/// The node of `base ** exponent`.
pub struct PowNode {
    /// the base
    pub base: Tensor,
    /// the (whole, ≥ 2) exponent
    pub exponent: i64,
}

impl Node for PowNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: n·x^(n−1) times grad_output
        let local = self.base.data().pow_tensor_scalar(self.exponent - 1) * self.exponent as f64;
        self.base.backward_with(&(grad_output * local));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "PowNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.base.clone()]
    }
}

/// The node of `tanh(x)`.
pub struct TanhNode {
    /// the input
    pub x: Tensor,
}

impl Node for TanhNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: (1 − tanh²(x)) times grad_output
        let t = self.x.data().tanh();
        self.x.backward_with(&(grad_output * (1.0 - &t * &t)));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "TanhNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.x.clone()]
    }
}

/// The node of `sigmoid(x)`.
pub struct SigmoidNode {
    /// the input (the pre-activation)
    pub x: Tensor,
}

impl Node for SigmoidNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: s·(1 − s) with s = sigmoid(x), times grad_output
        let s = self.x.data().sigmoid();
        self.x.backward_with(&(grad_output * (&s * (1.0 - &s))));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "SigmoidNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.x.clone()]
    }
}

/// The node of `bce_with_logits(logits, targets)`.
pub struct BceNode {
    /// the logits z
    pub logits: Tensor,
    /// the targets y (0 or 1; data, no gradient)
    pub targets: Tensor,
}

impl Node for BceNode {
    fn backward(&self, grad_output: &tch::Tensor) {
        // BEGIN SOLUTION: (σ(z) − y) / (number of elements) times grad_output
        let z = self.logits.data();
        let count = z.numel() as f64;
        let local = (z.sigmoid() - self.targets.data()) / count;
        self.logits.backward_with(&(local * grad_output));
        // END SOLUTION
    }

    fn name(&self) -> &'static str {
        "BceNode"
    }

    fn inputs(&self) -> Vec<Tensor> {
        vec![self.logits.clone(), self.targets.clone()]
    }
}
