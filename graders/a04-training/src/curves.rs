//! Files attached to a check's result: the student's curves next to the
//! reference's, and the decision grid's confidence.
//!
//! PLOTS: these are CSV files for now (one row per epoch), readable in any
//! spreadsheet. When `gradwork::plot` lands, render the same series as PNG
//! plots here; the checks call only these functions.

use crate::oracle::Reference;
use crate::regression::Fitted;
use crate::wire::Curves;
use gradwork::suite::Ctx;
use std::fmt::Write as _;
use tch::{Kind, Tensor};

fn cell(values: &[f64], i: usize) -> String {
    values.get(i).map(|v| v.to_string()).unwrap_or_default()
}

fn table(header: &[String], columns: &[&[f64]]) -> Vec<u8> {
    let rows = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    let mut text = format!("epoch,{}\n", header.join(","));
    for i in 0..rows {
        let cells: Vec<String> = columns.iter().map(|c| cell(c, i)).collect();
        let _ = writeln!(text, "{},{}", i + 1, cells.join(","));
    }
    text.into_bytes()
}

/// The student's training curves next to the reference run's.
pub fn attach_training(ctx: &mut Ctx, name: &str, student: &Curves, reference: &Reference) {
    let header: Vec<String> = ["train_loss", "val_loss", "val_acc", "reference_train_loss", "reference_val_loss", "reference_val_acc"].map(String::from).to_vec();
    let bytes = table(&header, &[&student.train_loss, &student.val_loss, &student.val_acc, &reference.train_loss, &reference.val_loss, &reference.val_acc]);
    ctx.attach(&format!("{name}-curves.csv"), "Loss and accuracy per epoch: yours, and the reference loop's on the same data and initial weights", bytes);
}

/// Training and validation MSE of a regression fit.
pub fn attach_regression(ctx: &mut Ctx, name: &str, fitted: &Fitted) {
    let bytes = table(&["train_mse".into(), "val_mse".into()], &[&fitted.train_loss, &fitted.val_loss]);
    ctx.attach(&format!("{name}-curves.csv"), "Training and validation MSE per epoch", bytes);
}

/// Validation loss and accuracy of every setting of a study.
pub fn attach_study(ctx: &mut Ctx, name: &str, labels: &[String], runs: &[Curves]) {
    let mut header = Vec::new();
    let mut columns: Vec<&[f64]> = Vec::new();
    for (label, run) in labels.iter().zip(runs) {
        header.push(format!("{label} val_loss"));
        header.push(format!("{label} val_acc"));
        columns.push(&run.val_loss);
        columns.push(&run.val_acc);
    }
    ctx.attach(&format!("{name}-curves.csv"), "Validation loss and accuracy per epoch, one pair of columns per setting", table(&header, &columns));
}

/// The four curves of the L1 study.
pub fn attach_l1(ctx: &mut Ctx, name: &str, curves: &[Vec<f64>]) {
    let header: Vec<String> = ["train_mse", "val_mse", "train_mse_l1", "val_mse_l1"].map(String::from).to_vec();
    let columns: Vec<&[f64]> = curves.iter().map(Vec::as_slice).collect();
    ctx.attach(&format!("{name}-curves.csv"), "MSE per epoch without and with the L1 penalty", table(&header, &columns));
}

/// The confidence map of the decision grid, one row of the grid per line.
pub fn attach_confidence(ctx: &mut Ctx, name: &str, confidence: &Tensor, steps: i64) {
    let values: Vec<f64> = Vec::<f64>::try_from(&confidence.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default();
    let mut text = String::new();
    for row in values.chunks(steps.max(1) as usize).rev() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.4}")).collect();
        let _ = writeln!(text, "{}", cells.join(","));
    }
    ctx.attach(&format!("{name}-confidence.csv"), "Your softmax confidence on the grid (top row = largest y)", text.into_bytes());
}
