//! The backward node every operation records (Task 3).

use super::Tensor;

/// One operation in the graph. Its `backward` receives ∂L/∂(output) and
/// sends each input its share, ∂L/∂(input), by calling the input's
/// `backward_with`.
pub trait Node {
    /// Propagates `grad_output` (shaped like the operation's output) to the inputs.
    fn backward(&self, grad_output: &tch::Tensor);
    /// The node's name, e.g. `AddNode`.
    fn name(&self) -> &'static str;
    /// The node's inputs, in order (the graph's structure).
    fn inputs(&self) -> Vec<Tensor>;
}
