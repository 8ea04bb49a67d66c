//! The pipelines the grader hands to the student's shuffled-labels check, to
//! see whether it tells them apart. Each takes `(x_train, y_train, x_test)`
//! and returns predicted labels for `x_test`:
//!
//! - `clean`: a 1-nearest-neighbour classifier that learns from the training
//!   data only. With shuffled labels it scores about chance.
//! - `leaky`: the same classifier, but its "training set" also holds the test
//!   images with their true labels — the classic leak of test data reaching
//!   training. It scores near 100 % even with shuffled labels.
//! - `majority`: always predicts the most common training label. It never
//!   leaks, but it does not learn either.

use tch::{Kind, Tensor};

/// A pipeline as the student's check takes it.
pub type Pipeline = Box<dyn FnMut(&Tensor, &Tensor, &Tensor) -> Tensor>;

/// The pipeline called `name`; `leaky` captures the test set and its labels.
pub fn by_name(name: &str, x_test: &Tensor, y_test: &Tensor) -> Option<Pipeline> {
    match name {
        "clean" => Some(Box::new(|x_train: &Tensor, y_train: &Tensor, x_test: &Tensor| nearest_neighbour(x_train, y_train, x_test))),
        "leaky" => {
            let (seen_x, seen_y) = (x_test.shallow_clone(), y_test.shallow_clone());
            Some(Box::new(move |x_train: &Tensor, y_train: &Tensor, x_test: &Tensor| {
                let x = Tensor::cat(&[x_train, &seen_x], 0);
                let y = Tensor::cat(&[y_train, &seen_y], 0);
                nearest_neighbour(&x, &y, x_test)
            }))
        }
        "majority" => Some(Box::new(|_x_train: &Tensor, y_train: &Tensor, x_test: &Tensor| {
            let most_common = y_train.bincount(None::<Tensor>, 0).argmax(0, false);
            most_common.expand([x_test.size()[0]], false).contiguous()
        })),
        _ => None,
    }
}

/// The label of the closest training row (Euclidean) for each test row.
pub fn nearest_neighbour(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor) -> Tensor {
    let a = x_test.reshape([x_test.size()[0], -1]).to_kind(Kind::Double);
    let b = x_train.reshape([x_train.size()[0], -1]).to_kind(Kind::Double);
    let closest = Tensor::cdist(&a, &b, 2.0, 2i64).argmin(1, false);
    y_train.index_select(0, &closest)
}
