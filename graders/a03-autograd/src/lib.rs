//! Check suite of a03-autograd. The student's engine is judged from the
//! outside: the runner builds graphs from plain descriptions and returns
//! data and gradients; the grader compares them with libtorch's autograd on
//! the same graph (the oracle), runs the harness's finite-difference gradient
//! check on every node, follows `nn::Sgd`'s trajectory, and trains the
//! notebook's models next to a libtorch reference.

mod bce;
mod classifier;
mod curves;
pub mod data;
mod engine_ops;
mod graphs;
mod inputs;
mod notebook;
mod optimizer;
mod program;
mod reference;
mod regression;
mod unbroadcast;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a03-autograd", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("sanity-ops", notebook::sanity_ops)
        .check("pow-errors", notebook::pow_errors)
        .check("bce-stable", bce::bce_stable)
        .check("graph-structure", notebook::graph_structure)
        .check("gradcheck-ops", engine_ops::gradcheck_small)
        .check("gradcheck-ops-large", engine_ops::gradcheck_large)
        .check("unbroadcast-shapes", unbroadcast::unbroadcast_alone)
        .check("notebook-backward", notebook::notebook_backward)
        .check("gradient-accumulation", graphs::gradient_accumulation)
        .check("random-graphs", graphs::random_graphs)
        .check("bias-broadcast", graphs::bias_broadcast)
        .check("optimizer-trajectory", optimizer::trajectory)
        .check("regression-tch", regression::regression_tch)
        .check("regression-tch-other", regression::regression_tch_other)
        .check("regression-engine", regression::regression_engine)
        .check("regression-engine-other", regression::regression_engine_other)
        .check("train-val-split", classifier::train_val_split)
        .check("classifier", classifier::classifier)
        .check("classifier-other-data", classifier::classifier_other_data)
}
