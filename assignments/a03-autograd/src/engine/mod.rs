//! Tasks 2–5: your own autograd engine.
//!
//! A [`Tensor`] holds its data (a plain libtorch tensor that never tracks
//! gradients), whether it `requires_grad`, the `grad` accumulated into it, and
//! the `grad_fn` node of the operation that made it. Each operation in
//! [`ops`] computes its result and records one backward node; `backward()`
//! walks the nodes back to the leaves.
//!
//! libtorch's own autograd is forbidden in this folder (and in
//! `regression_engine.rs` and `classifier.rs`): no `set_requires_grad`,
//! `requires_grad_`, `run_backward`, `VarStore` or `nn`. Plain tensor
//! arithmetic on the data is what you use.

mod node;
pub mod ops;
pub mod optim;

pub use node::Node;
pub use ops::{bce_with_logits, unbroadcast};
pub use optim::{Optimizer, Sgd};

use std::cell::RefCell;
use std::rc::Rc;

/// Why an operation of the engine refused its arguments.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineError {
    /// `pow` with an exponent that is not a whole number (or not finite).
    NonIntegerExponent(f64),
    /// `pow` with a whole exponent below 2.
    ExponentTooSmall(i64),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::NonIntegerExponent(e) => write!(f, "pow needs a whole exponent, got {e}"),
            EngineError::ExponentTooSmall(e) => write!(f, "pow needs an exponent of at least 2, got {e}"),
        }
    }
}

impl std::error::Error for EngineError {}

/// What a [`Tensor`] handle points at.
struct Inner {
    data: tch::Tensor,
    requires_grad: bool,
    grad: Option<tch::Tensor>,
    grad_fn: Option<Rc<dyn Node>>,
}

/// A tensor of the engine. Cloning a `Tensor` makes another handle to the
/// same tensor (like a Python reference), so a graph node, an optimizer and
/// your model can all hold the same parameter.
#[derive(Clone)]
pub struct Tensor {
    inner: Rc<RefCell<Inner>>,
}

/// Like `torch.tensor(data, requires_grad=...)`: a leaf tensor.
pub fn tensor(data: tch::Tensor, requires_grad: bool) -> Tensor {
    Tensor::new(data, requires_grad)
}

impl Tensor {
    /// A leaf: data that an operation did not make. Parameters have
    /// `requires_grad = true`; input data has `false`.
    pub fn new(data: tch::Tensor, requires_grad: bool) -> Tensor {
        Tensor { inner: Rc::new(RefCell::new(Inner { data: data.detach(), requires_grad, grad: None, grad_fn: None })) }
    }

    /// The result of an operation: its data and the node that made it.
    pub fn from_op(data: tch::Tensor, grad_fn: Rc<dyn Node>) -> Tensor {
        Tensor { inner: Rc::new(RefCell::new(Inner { data: data.detach(), requires_grad: false, grad: None, grad_fn: Some(grad_fn) })) }
    }

    /// The data (a handle to the same libtorch tensor).
    pub fn data(&self) -> tch::Tensor {
        self.inner.borrow().data.shallow_clone()
    }

    /// Replaces the data (what an optimizer step does).
    pub fn set_data(&self, data: tch::Tensor) {
        self.inner.borrow_mut().data = data.detach();
    }

    /// The shape of the data.
    pub fn shape(&self) -> Vec<i64> {
        self.inner.borrow().data.size()
    }

    /// The one number in a tensor of one element, like `.item()`.
    pub fn item(&self) -> f64 {
        self.data().view([-1]).double_value(&[0])
    }

    /// Whether gradients are accumulated into this tensor (a parameter).
    pub fn requires_grad(&self) -> bool {
        self.inner.borrow().requires_grad
    }

    /// The gradient accumulated so far (`None` before any backward pass, after
    /// `zero_grad`, and always for tensors that do not require grad).
    pub fn grad(&self) -> Option<tch::Tensor> {
        self.inner.borrow().grad.as_ref().map(|g| g.shallow_clone())
    }

    /// Replaces the accumulated gradient.
    pub fn set_grad(&self, grad: Option<tch::Tensor>) {
        self.inner.borrow_mut().grad = grad;
    }

    /// The node of the operation that made this tensor (`None` for a leaf).
    pub fn grad_fn(&self) -> Option<Rc<dyn Node>> {
        self.inner.borrow().grad_fn.clone()
    }

    /// Whether `self` and `other` are handles to the same tensor (Python's `is`).
    pub fn is(&self, other: &Tensor) -> bool {
        Rc::ptr_eq(&self.inner, &other.inner)
    }

    /// Task 4: backpropagation from this tensor, starting from a gradient of
    /// ones shaped like its data (so for a scalar loss, dL/dL = 1).
    pub fn backward(&self) {
        // TODO: a tensor of ones like the data, then `backward_with`
        todo!()
    }

    /// Task 4: receives `grad_output` = ∂L/∂self. A tensor made by an
    /// operation passes it to its node; a leaf that requires grad adds it to
    /// its `grad` (gradients from several paths accumulate); any other leaf
    /// ignores it.
    pub fn backward_with(&self, grad_output: &tch::Tensor) {
        // TODO: node → node.backward; leaf with requires_grad → grad += grad_output
        todo!()
    }

    /// `self @ right`: matrix product of two 2-D tensors.
    pub fn matmul(&self, right: &Tensor) -> Tensor {
        ops::matmul(self, right)
    }

    /// `self ** exponent` element-wise, for a whole exponent ≥ 2; anything
    /// else is an [`EngineError`].
    pub fn pow(&self, exponent: f64) -> Result<Tensor, EngineError> {
        ops::pow(self, exponent)
    }

    /// tanh, element-wise.
    pub fn tanh(&self) -> Tensor {
        ops::tanh(self)
    }

    /// The logistic sigmoid, element-wise.
    pub fn sigmoid(&self) -> Tensor {
        ops::sigmoid(self)
    }
}

impl std::fmt::Debug for Tensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.inner.borrow();
        write!(f, "Tensor({:?}", inner.data)?;
        if inner.requires_grad {
            write!(f, ", requires_grad=true")?;
        } else if let Some(node) = &inner.grad_fn {
            write!(f, ", grad_fn={}", node.name())?;
        }
        write!(f, ")")
    }
}

impl std::ops::Add for &Tensor {
    type Output = Tensor;
    /// `a + b` (broadcasting like libtorch).
    fn add(self, right: &Tensor) -> Tensor {
        ops::add(self, right)
    }
}

impl std::ops::Sub for &Tensor {
    type Output = Tensor;
    /// `a - b` (broadcasting like libtorch).
    fn sub(self, right: &Tensor) -> Tensor {
        ops::sub(self, right)
    }
}
