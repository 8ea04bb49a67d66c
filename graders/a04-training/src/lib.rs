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
        .check("generators-any-size", data::generators_any_size)
        .check("dataset", data::dataset)
        .check("dataset-any-shape", data::dataset_any_shape)
        .check("loader-epoch", loading::loader_epoch)
        .check("loader-shuffle", loading::loader_shuffle)
        .check("loader-any-size", loading::loader_any_size)
        .check("permutation-uniform", loading::permutation_uniform)
        .check("splits", splits::splits)
        .check("splits-odd-sizes", splits::splits_odd_sizes)
        .check("mse-oops", losses::mse_oops)
        .check("l1-penalty", losses::l1_penalty)
        .check("accuracy", losses::accuracy)
        .check("shape-error", models::shape_error)
        .check("shape-error-more", models::shape_error_more)
        .check("mlp-forward", models::mlp_forward)
        .check("mlp-dropout", models::mlp_dropout)
        .check("mlp-dropout-placement", models::mlp_dropout_placement)
        .check("to-polar", models::to_polar)
        .check("polar-axes", models::polar_axes)
        .check("decision-grid", models::decision_grid)
        .check("decision-grid-other", models::decision_grid_other)
        .check("sgd-steps", steps::sgd_steps)
        .check("adam-steps", steps::adam_steps)
        .check("train-step-dropout", steps::train_step_dropout)
        .check("train-epoch", steps::train_epoch)
        .check("evaluate", steps::evaluate)
        .check("zero-samples", steps::zero_samples)
        .check("step-lr", steps::step_lr)
        .check("train-model", training::train_model)
        .check("train-model-history", training::train_model_history)
        .check("best-state", training::best_state)
        .check("snapshot-restore", training::restore_rules)
        .check("checkpoint-roundtrip", training::checkpoint_roundtrip)
        .check("checkpoint-reader", training::checkpoint_reader)
        .check("overfit-tiny", training::overfit_tiny)
        .check("linear-regression", regression::linear_regression)
        .check("multi-output-regression", regression::multi_output_regression)
        .check("regression-curves", regression::regression_curves)
        .check("regression-history", regression::regression_history)
        .check("sgd-vs-adam", experiments::sgd_vs_adam)
        .check("l1-high-dim", experiments::l1_high_dim)
        .check("polar-circles", experiments::polar_circles)
        .check("experiments-other-data", experiments::experiments_other_data)
        .check("studies-split-parts", experiments::studies_split_parts)
}
