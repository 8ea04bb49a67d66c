//! The mini project end to end, with your functions: load the shipped store,
//! look at it, set up next-frame prediction, split it without leakage, train
//! two variants against the persistence baseline; then PPCA on the notebook's
//! data, and the two sweeps of Stack G.
//!
//! ```sh
//! cargo run -p a07-spatiotemporal --example mini_project          # everything
//! cargo run -p a07-spatiotemporal --example mini_project -- data  # only the Zarr part
//! ```

use a07_spatiotemporal::*;
use std::process::ExitCode;
use tch::{Device, Kind, Reduction, Tensor};

fn mse(a: &Tensor, b: &Tensor) -> f64 {
    a.mse_loss(b, Reduction::Mean).double_value(&[])
}

fn main() -> ExitCode {
    let only_data = std::env::args().nth(1).as_deref() == Some("data");
    let frames = match load_frames(&shipped_store()) {
        Ok(frames) => frames,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("frames {:?} {:?}, dimensions {:?}, time step {}", frames.data.size(), frames.data.kind(), frames.dims, frames.time_step);
    let stats = frame_stats(&frames.data);
    for t in [0i64, 10, 25, 50, 99] {
        println!(
            "frame {t:>2}: mass {:>7.1}  centre ({:>5.2}, {:>5.2})  spread {:>5.2}",
            stats.mass.double_value(&[t]),
            stats.centre.double_value(&[t, 0]),
            stats.centre.double_value(&[t, 1]),
            stats.spread.double_value(&[t])
        );
    }

    let x = (&frames.data - frames.data.mean(Kind::Float)) / frames.data.std(true);
    let w = 3;
    let (inputs, targets) = make_windows(&x, w);
    let n_windows = inputs.size()[0];
    let random = random_split(n_windows, 0.2, 7);
    let honest = temporal_split(x.size()[0], w, 20);
    println!("random split: {} of {} test windows leak", leaking_windows(&random, w).len(), random.test.len());
    println!("temporal split: {} of {} test windows leak ({} training windows)", leaking_windows(&honest, w).len(), honest.test.len(), honest.train.len());
    if only_data {
        return ExitCode::SUCCESS;
    }

    let pick = |idx: &[i64], t: &Tensor| t.index_select(0, &Tensor::from_slice(idx));
    for w in [1, 3] {
        let (inputs, targets) = make_windows(&x, w);
        let split = temporal_split(x.size()[0], w, 20);
        let (x_test, y_test) = (pick(&split.test, &inputs), pick(&split.test, &targets));
        let config = TrainConfig { width: 8, epochs: 30, batch_size: 8, lr: 5e-3, seed: 0 };
        let trained = train_next_frame(&pick(&split.train, &inputs), &pick(&split.train, &targets), &config);
        let predicted = tch::no_grad(|| trained.model.forward(&x_test));
        println!("windows of {w}: test MSE {:.5}, persistence {:.5}", mse(&predicted, &y_test), mse(&persistence(&x_test), &y_test));
        let direction = random_direction(&trained.model.parameters(), 1);
        let alphas: Vec<f64> = (-4..=4).map(|i| i as f64 * 0.25).collect();
        let slice = loss_slice(&trained.model, &x_test, &y_test, &direction, &alphas);
        println!("  loss along a random direction, α = -1..1: {:?}", slice.iter().map(|l| (l * 1e4).round() / 1e4).collect::<Vec<_>>());
    }
    let _ = (inputs, targets);

    tch::manual_seed(1);
    let n = 2000;
    let z = Tensor::randn([n, 1], (Kind::Double, Device::Cpu)) * Tensor::from_slice(&[3.0f64, 2.0, 1.0]);
    let data = Tensor::cat(&[z, Tensor::randn([n, 7], (Kind::Double, Device::Cpu))], 1);
    for k in [1, 2] {
        let fitted = fit_ppca(&data, k, 800, 0.05, 0);
        let exact = ppca_closed_form(&data, k);
        let angles = principal_angles(&fitted.w, &exact.w);
        println!("PPCA k = {k}: σ² {:.4} (closed form {:.4}), principal angles {:?}", fitted.sigma2, exact.sigma2, Vec::<f64>::try_from(&angles).unwrap_or_default());
    }

    tch::manual_seed(2);
    let (x, y) = make_moons(400, 0.25);
    let order = Tensor::randperm(400, (Kind::Int64, Device::Cpu));
    let (train, val) = (order.narrow(0, 0, 240), order.narrow(0, 240, 160));
    let moons = Data { x_train: x.index_select(0, &train), y_train: y.index_select(0, &train), x_val: x.index_select(0, &val), y_val: y.index_select(0, &val) };
    let config = SweepConfig { epochs: 100, batch_size: 64, lr: 5e-3, seed: 0 };
    for (name, points) in [("weight decay", weight_decay_sweep(&moons, &[1e-4, 1e-3, 1e-2], &config)), ("dropout", dropout_sweep(&moons, &[0.0, 0.2, 0.5], &config))] {
        for p in points {
            println!("{name} {:>6}: train loss {:.4}, train accuracy {:.3}, validation accuracy {:.3}, gap {:+.3}", p.setting, p.train_loss, p.train_accuracy, p.val_accuracy, p.gap());
        }
    }
    ExitCode::SUCCESS
}
