//! Check suite of a05-cnn-leakage. The forward pass is compared with
//! libtorch's conv/pool/linear on the same weights; the student's sanity
//! checks are fed cases whose verdicts are known; the student's split and
//! pipeline go through the harness's own leakage tests
//! ([`gradwork::leakage`]); the fixed generator is judged by the shortcuts a
//! trivial classifier could take.

mod explanation;
mod generator;
mod images;
mod network;
mod sanity;
mod splits;
mod train;
mod weights;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a05-cnn-leakage", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("cnn-forward", network::cnn_forward)
        .check("cnn-forward-batches", network::cnn_forward_batches)
        .check("cnn-dropout", network::cnn_dropout)
        .check("cnn-dropout-rate", network::cnn_dropout_rate)
        .check("accuracy", network::accuracy)
        .check("predict", network::predict)
        .check("predict-batches", network::predict_batches)
        .check("pipeline-shuffled-labels", splits::pipeline)
        .check("pipeline-sorted", splits::pipeline_sorted)
        .check("split", splits::split_check)
        .check("split-sizes", splits::split_sizes)
        .check("near-duplicates", sanity::near_duplicates)
        .check("near-duplicates-shapes", sanity::near_duplicates_shapes)
        .check("sanity-check", sanity::sanity_check)
        .check("sanity-check-classes", sanity::sanity_check_classes)
        .check("explanation", explanation::explanation)
        .check("generator-format", generator::format)
        .check("generator-positions", generator::positions)
        .check("generator-brightness", generator::brightness)
        .check("generator-variety", generator::variety)
        .check("generator-sizes", generator::sizes)
        .check("generator-learnable", generator::learnable)
}
