//! The notebook's Days 31–35 as one program: load a dataset, train the MLP
//! with SGD and with Adam, log both runs for TensorBoard, save both models,
//! and print the results table of Day 35.
//!
//! ```sh
//! cargo run -p a06-mnist --example mnist                    # the shipped 8×8 digits
//! cargo run -p a06-mnist --example mnist -- ~/data/mnist    # real MNIST: the four IDX files, gunzipped
//! tensorboard --logdir runs                                  # then open http://localhost:6006
//! ```
//!
//! It uses only your functions, so it runs once they are written.

use a06_mnist::{load_mnist, shipped_digits, train, OptimizerKind, TrainConfig};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(shipped_digits);
    let data = match load_mnist(&dir) {
        Ok(data) => data,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "{}: {} training and {} test images of {:?} pixels",
        dir.display(),
        data.train_images.size()[0],
        data.test_images.size()[0],
        &data.train_images.size()[1..]
    );
    let mut rows = Vec::new();
    for (name, optimizer, lr) in [("sgd", OptimizerKind::Sgd, 0.1), ("adam", OptimizerKind::Adam, 1e-3)] {
        let config = TrainConfig {
            epochs: 5,
            batch_size: 128,
            lr,
            optimizer,
            seed: 42,
            log_dir: Some(PathBuf::from("runs").join(format!("mnist_mlp_{name}"))),
            save_path: Some(PathBuf::from(format!("mnist_mlp_{name}.safetensors"))),
        };
        match train(&data, &config) {
            Ok(report) => {
                for (epoch, (loss, acc)) in report.history.val_loss.iter().zip(&report.history.val_accuracy).enumerate() {
                    println!("{name} epoch {}: val loss {loss:.4}, val accuracy {acc:.4}", epoch + 1);
                }
                rows.push((name, report));
            }
            Err(e) => {
                eprintln!("error: training with {name} failed: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("\n| optimiser | val accuracy after 5 epochs | test accuracy | test loss |\n|---|---|---|---|");
    for (name, report) in &rows {
        let val = report.history.val_accuracy.last().copied().unwrap_or(f64::NAN);
        println!("| {name} | {:.2} % | {:.2} % | {:.4} |", 100.0 * val, 100.0 * report.test_accuracy, report.test_loss);
    }
    println!("\nlogs in runs/ (tensorboard --logdir runs), models in mnist_mlp_*.safetensors");
    ExitCode::SUCCESS
}
