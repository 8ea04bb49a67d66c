//! Check suite of a04-training. Data, losses and single steps are compared
//! with libtorch itself (its layers, `mse_loss`, `nn::Sgd`, `nn::Adam`) on
//! the grader's inputs and weights; random generators by statistical tests at
//! α = [`gradwork::stats::DEFAULT_ALPHA`]; training runs by thresholds that a
//! correct loop clears with a margin on every seed (see rubric.toml); splits by
//! the harness's split-integrity check; checkpoints bit for bit.

mod checkpoint;
mod curves;
mod data;
mod experiments;
mod loading;
mod losses;
mod models;
mod oracle;
mod regression;
mod splits;
mod steps;
mod training;
mod wire;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a04-training", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("moons", data::moons)
        .check("circles", data::circles)
        .check("generator-noise", data::generator_noise)
        .check("regression-data", data::regression_data)
        .check("dataset", data::dataset)
        .check("loader-epoch", loading::loader_epoch)
        .check("loader-shuffle", loading::loader_shuffle)
        .check("permutation-uniform", loading::permutation_uniform)
        .check("splits", splits::splits)
        .check("splits-odd-sizes", splits::splits_odd_sizes)
        .check("mse-oops", losses::mse_oops)
        .check("l1-penalty", losses::l1_penalty)
        .check("accuracy", losses::accuracy)
        .check("shape-error", models::shape_error)
        .check("mlp-forward", models::mlp_forward)
        .check("mlp-dropout", models::mlp_dropout)
        .check("to-polar", models::to_polar)
        .check("decision-grid", models::decision_grid)
        .check("sgd-steps", steps::sgd_steps)
        .check("adam-steps", steps::adam_steps)
        .check("train-epoch", steps::train_epoch)
        .check("evaluate", steps::evaluate)
        .check("step-lr", steps::step_lr)
        .check("train-model", training::train_model)
        .check("best-state", training::best_state)
        .check("checkpoint-roundtrip", training::checkpoint_roundtrip)
        .check("overfit-tiny", training::overfit_tiny)
        .check("linear-regression", regression::linear_regression)
        .check("multi-output-regression", regression::multi_output_regression)
        .check("sgd-vs-adam", experiments::sgd_vs_adam)
        .check("l1-high-dim", experiments::l1_high_dim)
        .check("polar-circles", experiments::polar_circles)
}
