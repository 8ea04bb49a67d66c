//! Check suite of a06-mnist. The reader is fed good, truncated and
//! wrong-magic files made by the grader; the MLP's forward pass and single
//! optimisation steps are compared with libtorch (`nn::Sgd`, `nn::Adam`) on
//! the same weights; whole training runs on the shipped digits must reach a
//! test accuracy, save a model the grader can load and evaluate, and log
//! TensorBoard event files that parse and match the returned history.

mod curves;
mod digits;
mod idx_bytes;
mod mlp;
mod numbers;
mod reader;
mod tfevents;
mod training;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a06-mnist", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("idx-images", reader::images)
        .check("idx-labels", reader::labels)
        .check("idx-truncated", reader::truncated)
        .check("idx-wrong-magic", reader::wrong_magic)
        .check("idx-real-sizes", reader::real_sizes)
        .check("idx-layout", reader::layout)
        .check("idx-errors-edge", reader::errors_edge)
        .check("load-mnist", reader::load_mnist)
        .check("split-90-10", mlp::split)
        .check("split-90-10-exact", mlp::split_exact)
        .check("mlp-forward", mlp::mlp_forward)
        .check("mlp-forward-shapes", mlp::mlp_forward_shapes)
        .check("train-step-sgd", mlp::step_sgd)
        .check("train-step-adam", mlp::step_adam)
        .check("train-step-settings", mlp::step_settings)
        .check("evaluate", mlp::evaluate)
        .check("evaluate-sizes", mlp::evaluate_sizes)
        .check("train-sgd", training::sgd_baseline)
        .check("train-adam", training::adam)
        .check("train-history", training::history)
        .check("saved-model", training::saved_model)
        .check("tensorboard-logs", training::tensorboard)
}
