//! Files attached to a check's result, passed or not: plots (SVG and PNG, via
//! `gradwork::plot`) of the student's curves next to the reference's, and
//! the same numbers as CSV (one row per epoch) for a closer look.

use crate::oracle::Reference;
use crate::regression::Fitted;
use crate::wire::Curves;
use gradwork::plot::{self, BoundaryPlot, Grid, LinePlot, Series};
use gradwork::suite::Ctx;
use std::fmt::Write as _;
use tch::{Kind, Tensor};

fn line_plot(title: &str, y_label: &str, series: Vec<Series>) -> LinePlot {
    LinePlot { title: title.into(), x_label: "epoch".into(), y_label: y_label.into(), series }
}

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
    let loss = line_plot(
        "Loss per epoch: your train_model and the reference loop",
        "cross-entropy",
        vec![
            Series::from_values("your training loss", &student.train_loss),
            Series::reference("reference training loss", &reference.train_loss),
            Series::from_values("your validation loss", &student.val_loss),
            Series::reference("reference validation loss", &reference.val_loss),
        ],
    );
    plot::attach(ctx, &format!("{name}-loss"), "Training and validation loss: yours and the reference's (same data, same initial weights)", &loss);
    let accuracy = plot::training_curves("validation accuracy", &student.val_acc, &reference.val_acc);
    plot::attach(ctx, &format!("{name}-accuracy"), "Validation accuracy: yours and the reference's", &accuracy);
}

/// Training and validation MSE of a regression fit.
pub fn attach_regression(ctx: &mut Ctx, name: &str, fitted: &Fitted) {
    let bytes = table(&["train_mse".into(), "val_mse".into()], &[&fitted.train_loss, &fitted.val_loss]);
    ctx.attach(&format!("{name}-curves.csv"), "Training and validation MSE per epoch", bytes);
    let curves = line_plot(
        "Mean squared error per epoch",
        "MSE",
        vec![Series::from_values("training", &fitted.train_loss), Series::from_values("validation", &fitted.val_loss)],
    );
    plot::attach(ctx, &format!("{name}-curves"), "Your fit's training and validation MSE", &curves);
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
    let series = labels.iter().zip(runs).map(|(label, run)| Series::from_values(label, &run.val_loss)).collect();
    plot::attach(ctx, &format!("{name}-val-loss"), "Validation loss per setting", &line_plot("Validation loss per epoch, per setting", "cross-entropy", series));
}

/// The four curves of the L1 study.
pub fn attach_l1(ctx: &mut Ctx, name: &str, curves: &[Vec<f64>]) {
    let header: Vec<String> = ["train_mse", "val_mse", "train_mse_l1", "val_mse_l1"].map(String::from).to_vec();
    let columns: Vec<&[f64]> = curves.iter().map(Vec::as_slice).collect();
    ctx.attach(&format!("{name}-curves.csv"), "MSE per epoch without and with the L1 penalty", table(&header, &columns));
    let names = ["training, no L1", "validation, no L1", "training, with L1", "validation, with L1"];
    let series = names.iter().zip(curves).map(|(label, c)| Series::from_values(label, c)).collect();
    plot::attach(ctx, &format!("{name}-curves"), "MSE without and with the L1 penalty", &line_plot("Mean squared error per epoch, without and with L1", "MSE", series));
}

/// The predicted classes of the decision grid (the student's and libtorch's
/// on the same weights), and the student's confidence map as CSV, one row
/// of the grid per line.
pub fn attach_grid(
    ctx: &mut Ctx,
    name: &str,
    (bounds, steps): ([f64; 4], i64),
    student: &Tensor,
    reference: &Tensor,
    confidence: &Tensor,
    data: Vec<(f64, f64, i64)>,
) {
    let classes = |t: &Tensor| Vec::<i64>::try_from(&t.to_kind(Kind::Int64).flatten(0, -1)).unwrap_or_default();
    // Grid point k is the centre of cell k: widen the range by half a step on each side.
    let half = |lo: f64, hi: f64| (hi - lo) / (2.0 * (steps - 1).max(1) as f64);
    let (hx, hy) = (half(bounds[0], bounds[1]), half(bounds[2], bounds[3]));
    let n = steps.max(0) as usize;
    let grid = |t: &Tensor| Grid { nx: n, ny: n, classes: classes(t) };
    let boundary = BoundaryPlot {
        title: "Predicted class on the grid".into(),
        x_range: (bounds[0] - hx, bounds[1] + hx),
        y_range: (bounds[2] - hy, bounds[3] + hy),
        panels: vec![("your decision_grid".into(), grid(student)), ("libtorch, same weights".into(), grid(reference))],
        points: data,
    };
    plot::attach(ctx, &format!("{name}-classes"), "Predicted classes: yours and libtorch's with the same weights", &boundary);
    attach_confidence(ctx, name, confidence, steps);
}

/// Data points `(x₁, x₂, class)` for a boundary plot.
pub fn points(x: &Tensor, y: &Tensor) -> Vec<(f64, f64, i64)> {
    let xs = Vec::<f64>::try_from(&x.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default();
    let ys = Vec::<i64>::try_from(&y.to_kind(Kind::Int64)).unwrap_or_default();
    xs.chunks_exact(2).zip(ys).map(|(p, c)| (p[0], p[1], c)).collect()
}

/// The confidence map of the decision grid, one row of the grid per line.
fn attach_confidence(ctx: &mut Ctx, name: &str, confidence: &Tensor, steps: i64) {
    let values: Vec<f64> = Vec::<f64>::try_from(&confidence.to_kind(Kind::Double).flatten(0, -1)).unwrap_or_default();
    let mut text = String::new();
    for row in values.chunks(steps.max(1) as usize).rev() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.4}")).collect();
        let _ = writeln!(text, "{}", cells.join(","));
    }
    ctx.attach(&format!("{name}-confidence.csv"), "Your softmax confidence on the grid (top row = largest y)", text.into_bytes());
}
