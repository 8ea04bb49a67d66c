//! The grader's own TinyCNN training (trusted), to see whether the student's
//! images can be learned at all.

// BEGIN HIDDEN
use tch::nn::{self, ModuleT, OptimizerConfig};
use tch::{Device, Kind, Tensor};

#[derive(Debug)]
struct Cnn {
    conv1: nn::Conv2D,
    conv2: nn::Conv2D,
    fc1: nn::Linear,
    fc2: nn::Linear,
}

impl nn::ModuleT for Cnn {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        xs.apply(&self.conv1)
            .relu()
            .max_pool2d_default(2)
            .apply(&self.conv2)
            .relu()
            .max_pool2d_default(2)
            .flatten(1, -1)
            .apply(&self.fc1)
            .relu()
            .dropout(0.2, train)
            .apply(&self.fc2)
    }
}

/// Epochs of the grader's own training: discs and rings with real-valued
/// centres take the tiny CNN longer than whole-pixel ones (the reference's
/// images: 0.78–0.96 after 4 epochs on 300 images, 0.93–1.00 after 8).
pub const EPOCHS: i64 = 8;

/// Held-out accuracy of a TinyCNN trained for [`EPOCHS`] epochs with Adam (lr 1e-3).
pub fn grader_cnn_accuracy(x_train: &Tensor, y_train: &Tensor, x_test: &Tensor, y_test: &Tensor, seed: u64) -> Result<f64, String> {
    gradwork::torch_rng::manual_seed(seed as i64);
    let vs = nn::VarStore::new(Device::Cpu);
    let p = vs.root();
    let same = nn::ConvConfig { padding: 1, ..Default::default() };
    let cnn = Cnn {
        conv1: nn::conv2d(&p / "conv1", 1, 8, 3, same),
        conv2: nn::conv2d(&p / "conv2", 8, 16, 3, same),
        fc1: nn::linear(&p / "fc1", 256, 32, Default::default()),
        fc2: nn::linear(&p / "fc2", 32, 2, Default::default()),
    };
    let mut optimizer = nn::Adam::default().build(&vs, 1e-3).map_err(|e| format!("cannot build Adam: {e}"))?;
    let n = x_train.size()[0];
    for _ in 0..EPOCHS {
        for batch in Tensor::randperm(n, (Kind::Int64, Device::Cpu)).split(32, 0) {
            let loss = cnn.forward_t(&x_train.index_select(0, &batch), true).cross_entropy_for_logits(&y_train.index_select(0, &batch));
            optimizer.backward_step(&loss);
        }
    }
    let predicted = tch::no_grad(|| cnn.forward_t(x_test, false).argmax(-1, false));
    Ok(predicted.eq_tensor(y_test).to_kind(Kind::Double).mean(Kind::Double).double_value(&[]))
}
// END HIDDEN
