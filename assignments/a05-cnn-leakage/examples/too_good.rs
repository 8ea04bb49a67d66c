//! Exercise F, end to end: train TinyCNN on the notebook's images and on
//! yours, and run your sanity checks on both.
//!
//! ```sh
//! cargo run -p a05-cnn-leakage --example too_good            # both generators
//! cargo run -p a05-cnn-leakage --example too_good -- notebook # only the notebook's
//! ```
//!
//! It uses only your functions, so it runs once they are written.

use a05_cnn_leakage::{make_images, make_images_notebook, near_duplicates, shuffled_label_check, split_indices, train_and_predict, SIZE};
use tch::{Kind, Tensor};

/// Images per dataset (as in the notebook) and training epochs.
const N: i64 = 2500;
const EPOCHS: i64 = 2;

fn accuracy(predicted: &Tensor, labels: &Tensor) -> f64 {
    predicted.eq_tensor(labels).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

fn study(name: &str, (x, y): (Tensor, Tensor)) {
    println!("== {name}: {N} images of {SIZE}×{SIZE}");
    let split = split_indices(N, 3);
    let pick = |idx: &[i64]| {
        let idx = Tensor::from_slice(idx);
        (x.index_select(0, &idx), y.index_select(0, &idx))
    };
    let ((x_train, y_train), (x_test, y_test)) = (pick(&split.train), pick(&split.test));

    let predicted = train_and_predict(&x_train, &y_train, &x_test, EPOCHS);
    println!("test accuracy after {EPOCHS} epochs: {:.3}", accuracy(&predicted, &y_test));

    for tol in [1e-6, 0.25] {
        let copies = near_duplicates(&x_train, &x_test, tol).len();
        println!("test images with a near-copy in training (every pixel within {tol}): {copies} of {}", split.test.len());
    }

    let ink = |x: &Tensor, y: &Tensor, class: i64| {
        x.sum_dim_intlist([1i64, 2, 3].as_slice(), false, Kind::Double).masked_select(&y.eq(class)).mean(Kind::Double).double_value(&[])
    };
    println!("mean ink (sum of pixels): dots {:.2}, rings {:.2}", ink(&x_train, &y_train, 0), ink(&x_train, &y_train, 1));

    let mut pipeline = |xt: &Tensor, yt: &Tensor, xs: &Tensor| train_and_predict(xt, yt, xs, EPOCHS);
    let report = shuffled_label_check(&mut pipeline, &x_train, &y_train, &x_test, &y_test, 7);
    println!("shuffled-labels check: {report:?}\n");
}

fn main() {
    let only_notebook = std::env::args().nth(1).as_deref() == Some("notebook");
    tch::manual_seed(0);
    study("the notebook's generator", make_images_notebook(N, SIZE));
    if !only_notebook {
        tch::manual_seed(0);
        study("your generator", make_images(N, SIZE));
    }
}
