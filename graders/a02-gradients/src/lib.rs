//! Check suite of a02-gradients. Every hand-written gradient is compared with
//! libtorch's autograd on the same inputs (the oracle), and the network's
//! backward pass also goes through the harness's finite-difference gradient
//! check. Inputs are f64 and drawn from the check's seed.

mod checker;
mod gradcheck;
mod inputs;
mod network;
mod oracle;
mod scalar;
mod training;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a02-gradients", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("scalar-loss", scalar::scalar_loss)
        .check("analytic-gradient", scalar::analytic_gradient)
        .check("finite-difference", scalar::finite_difference)
        .check("autograd-derivative", scalar::autograd_derivative)
        .check("autograd-gradient", scalar::autograd_gradient)
        .check("autograd-gradient-repeat", scalar::autograd_gradient_repeat)
        .check("activations", network::activations)
        .check("softmax", network::softmax)
        .check("softmax-stable", network::softmax_stable)
        .check("cross-entropy", network::cross_entropy)
        .check("forward", network::forward)
        .check("backward-relu", network::backward_relu)
        .check("backward-sigmoid", network::backward_sigmoid)
        .check("backward-gradcheck", network::backward_gradcheck)
        .check("gradient-checker", checker::gradient_checker)
        .check("gradient-checker-edges", checker::gradient_checker_edges)
        .check("train-relu", training::train_relu)
        .check("relu-vs-sigmoid", training::relu_vs_sigmoid)
}
