//! Check suite of a01-tensors. Deterministic exercises are compared with
//! libtorch's own result on the grading device; sampling exercises are judged
//! by statistical tests at α = [`gradwork::stats::DEFAULT_ALPHA`].

mod construction;
mod distributions;
mod indexing;

use gradwork::suite::Suite;

/// The suite: every check of `rubric.toml` with its function.
pub fn suite() -> Suite {
    Suite::new("a01-tensors", include_str!("../rubric.toml"), env!("CARGO_PKG_VERSION"), env!("CARGO_MANIFEST_DIR"))
        .check("matrix-3x3", construction::matrix_3x3)
        .check("shape-of", construction::shape_of)
        .check("repeat-arange", construction::repeat_arange)
        .check("repeat-arange-sizes", construction::repeat_arange_sizes)
        .check("filled", construction::filled)
        .check("filled-other", construction::filled_other)
        .check("rows-of-arange", construction::rows_of_arange)
        .check("rows-of-arange-sizes", construction::rows_of_arange_sizes)
        .check("tridiagonal", construction::tridiagonal)
        .check("tridiagonal-sizes", construction::tridiagonal_sizes)
        .check("two-pi", construction::two_pi)
        .check("index-grid", indexing::index_grid)
        .check("pairwise-distances", indexing::pairwise_distances)
        .check("pairwise-distances-random", indexing::pairwise_distances_random)
        .check("submatrix", indexing::submatrix)
        .check("submatrix-other", indexing::submatrix_other)
        .check("divisible-mask", indexing::divisible_mask)
        .check("divisible-mask-other", indexing::divisible_mask_other)
        .check("count-true", indexing::count_true)
        .check("add-ten-in-place", indexing::add_ten_in_place)
        .check("add-ten-other", indexing::add_ten_other)
        .check("poisson-samples", distributions::poisson_samples)
        .check("poisson-samples-other", distributions::poisson_samples_other)
        .check("poisson-pmf", distributions::poisson_pmf)
        .check("poisson-pmf-other-rates", distributions::poisson_pmf_other_rates)
        .check("gamma-log-prob", distributions::gamma_log_prob)
        .check("gamma-log-prob-other", distributions::gamma_log_prob_other)
        .check("poisson-mixture", distributions::poisson_mixture)
        .check("poisson-mixture-other", distributions::poisson_mixture_other)
        .check("standard-normal", distributions::standard_normal)
        .check("standard-normal-fresh", distributions::standard_normal_fresh)
        .check("normal-around", distributions::normal_around)
        .check("normal-around-fresh", distributions::normal_around_fresh)
}
