//! Check suite of a07-spatiotemporal. The Zarr loader is fed stores the
//! grader writes with zarrs (the shipped one, fresh shapes and chunkings,
//! broken ones); frame statistics, windows and splits are compared with
//! libtorch and with exact answers, and a leaking split is shown with the
//! harness's own duplicate check; trained next-frame models must beat the
//! persistence baseline on held-out future frames of a fresh simulation;
//! PPCA is judged by what maximum likelihood guarantees (the principal
//! subspace, σ²), never by the columns of W; the sweeps by the trends that
//! hold over seeds.

mod answers;
mod landscape;
mod loading;
mod model;
mod ppca;
pub mod shipped;
pub mod sim;
mod splits;
mod stats;
pub mod store;
mod sweeps;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a07-spatiotemporal", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("load-shipped", loading::shipped)
        .check("load-chunkings", loading::chunkings)
        .check("load-errors", loading::errors)
        .check("load-corrupt-chunk", loading::corrupt_chunk)
        .check("load-odd-chunks", loading::odd_chunks)
        .check("frame-stats", stats::check)
        .check("dynamics-answer", answers::dynamics)
        .check("windows", splits::windows_check)
        .check("leak-check", splits::leak_check)
        .check("temporal-split", splits::temporal_split)
        .check("cnn-forward", model::forward_check)
        .check("next-frame-training", model::training)
        .check("training-loss-record", model::loss_record)
        .check("variants", model::variants)
        .check("landscape-direction", landscape::direction)
        .check("landscape-slice", landscape::loss_slice)
        .check("ppca-nll", ppca::nll_check)
        .check("ppca-closed-form", ppca::closed_form_check)
        .check("ppca-gradient-descent", ppca::gradient_descent)
        .check("ppca-notebook-data", ppca::notebook)
        .check("principal-angles", ppca::principal_angles)
        .check("ppca-answer", answers::ppca)
        .check("weight-decay-sweep", sweeps::weight_decay)
        .check("dropout-sweep", sweeps::dropout)
        .check("sweep-untrained", sweeps::untrained)
}
