//! Assignment a07-spatiotemporal: the mini project on simulated slime-mould
//! frames stored as Zarr, probabilistic PCA, and the rest of Exercise Stack G.
//!
//! Read README.md for the exercises. Replace each `todo!()` with your code,
//! then run `cargo test -p a07-spatiotemporal` to see which checks pass, and
//! `cargo run -p a07-spatiotemporal --example mini_project` to run the project.
//!
//! | module | exercises |
//! |---|---|
//! | [`store`] | 1: the frames from a Zarr store, with typed errors |
//! | [`inspect`] | 2: mass, centre and spread of every frame |
//! | [`windows`] | 3: windows of past frames and the next frame |
//! | [`split`] | 4: the leak check and the temporal split |
//! | [`model`] | 5: the persistence baseline, a small CNN, its training |
//! | [`landscape`] | 5: a slice of the loss landscape |
//! | [`ppca`] | 6: probabilistic PCA by gradient descent, and PCA |
//! | [`sweeps`] | 7: the weight-decay and dropout sweeps on the moons |

// The stubs do not use their arguments yet; your solutions will.
#![allow(unused_variables)]

pub mod inspect;
pub mod landscape;
pub mod model;
pub mod ppca;
pub mod split;
pub mod store;
pub mod sweeps;
pub mod windows;

pub use inspect::{describe_dynamics, frame_stats, FrameStats};
pub use landscape::{loss_slice, random_direction};
pub use model::{persistence, train_next_frame, NextFrameCnn, TrainConfig, Trained};
pub use ppca::{fit_ppca, ppca_answer, ppca_closed_form, ppca_nll, principal_angles, Ppca};
pub use split::{leaking_windows, random_split, temporal_split, WindowSplit};
pub use store::{load_frames, shipped_store, Frames, LoadError};
pub use sweeps::{dropout_sweep, make_moons, train_and_score, weight_decay_sweep, Data, SweepConfig, SweepPoint, Mlp};
pub use windows::make_windows;
