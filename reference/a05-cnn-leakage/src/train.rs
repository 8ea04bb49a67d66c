//! Exercises 2–4: accuracy, prediction, and the training pipeline.

use crate::model::TinyCnn;
#[allow(unused_imports)]
use tch::nn::{self, ModuleT, OptimizerConfig};
#[allow(unused_imports)]
use tch::{Device, Kind, Tensor};

/// Learning rate of the notebook's Adam optimiser.
pub const LEARNING_RATE: f64 = 1e-3;
/// Weight decay of the notebook's Adam optimiser (coupled L2, as in `torch.optim.Adam`).
pub const WEIGHT_DECAY: f64 = 1e-4;
/// Mini-batch size for training.
pub const BATCH_SIZE: i64 = 32;

/// Exercise 2: the fraction of rows of `logits` (n, k) whose largest entry is
/// at the index given by `labels` (n,), as a number in [0, 1].
pub fn accuracy(logits: &Tensor, labels: &Tensor) -> f64 {
    // BEGIN SOLUTION: argmax over the classes, compare with the labels, average
    logits.argmax(-1, false).eq_tensor(labels).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
    // END SOLUTION
}

/// Exercise 3: the predicted class (i64, shape (n,)) of each image of `x`,
/// for any n (one image gives shape (1,)): the model in evaluation mode (no
/// dropout), without tracking gradients.
pub fn predict(model: &TinyCnn, x: &Tensor) -> Tensor {
    // BEGIN SOLUTION: forward_t with train = false inside tch::no_grad, then argmax
    tch::no_grad(|| model.forward_t(x, false).argmax(-1, false))
    // END SOLUTION
}

/// Exercise 4: the whole pipeline. Builds a fresh `TinyCnn`, trains it on
/// `(x_train, y_train)` for `epochs` epochs (Adam, shuffled mini-batches,
/// cross-entropy), and returns its predicted classes for `x_test` (i64, (m,)).
/// It must learn only from the arguments it is given, in whatever order they
/// come (sorted by class, say): that is what the shuffling is for.
pub fn train_and_predict(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor, epochs: i64) -> Tensor {
    // BEGIN SOLUTION: a VarStore, TinyCnn::new, nn::Adam, epochs of shuffled mini-batches, then predict
    let vs = nn::VarStore::new(Device::Cpu);
    let model = TinyCnn::new(&vs.root());
    let mut optimizer = match (nn::Adam { wd: WEIGHT_DECAY, ..Default::default() }).build(&vs, LEARNING_RATE) {
        Ok(optimizer) => optimizer,
        Err(e) => panic!("cannot build the Adam optimiser: {e}"),
    };
    let n = x_train.size()[0];
    for _ in 0..epochs {
        let order = Tensor::randperm(n, (Kind::Int64, Device::Cpu));
        for batch in order.split(BATCH_SIZE, 0) {
            let logits = model.forward_t(&x_train.index_select(0, &batch), true);
            let loss = logits.cross_entropy_for_logits(&y_train.index_select(0, &batch));
            optimizer.backward_step(&loss);
        }
    }
    predict(&model, x_test)
    // END SOLUTION
}
