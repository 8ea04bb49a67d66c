//! Random TinyCNN weights from the check's seeded RNG, and the oracle forward
//! pass: libtorch's own conv2d, max-pool and linear on the same weights.

use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// Shapes of the eight weight tensors, in the runner's order.
pub const SHAPES: [&[i64]; 8] = [&[8, 1, 3, 3], &[8], &[16, 8, 3, 3], &[16], &[32, 256], &[32], &[2, 32], &[2]];

/// Fan-in of each layer, for PyTorch's default U(−1/√fan_in, 1/√fan_in) initialisation.
const FAN_IN: [f64; 4] = [9.0, 72.0, 256.0, 32.0];

/// Eight f32 weight tensors (conv1, conv2, fc1, fc2; weight then bias).
pub fn random(rng: &mut impl Rng) -> Vec<Tensor> {
    SHAPES
        .iter()
        .enumerate()
        .map(|(i, shape)| {
            let bound = 1.0 / FAN_IN[i / 2].sqrt();
            let n: i64 = shape.iter().product();
            let values: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound) as f32).collect();
            Tensor::from_slice(&values).view(*shape)
        })
        .collect()
}

/// The weights as call arguments, followed by `rest`.
pub fn args(weights: &[Tensor], rest: Vec<Value>) -> Vec<Value> {
    weights.iter().map(Value::arg).chain(rest).collect()
}

/// libtorch's TinyCNN logits on `device`; dropout (p = 0.2) only when `train`.
pub fn forward(weights: &[Tensor], x: &Tensor, train: bool, device: Device) -> Tensor {
    let w: Vec<Tensor> = weights.iter().map(|t| t.to_device(device)).collect();
    let block = |x: &Tensor, weight: &Tensor, bias: &Tensor| {
        x.conv2d(weight, Some(bias), [1, 1], [1, 1], [1, 1], 1).relu().max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false)
    };
    let x = x.to_device(device).to_kind(Kind::Float);
    let h = block(&block(&x, &w[0], &w[1]), &w[2], &w[3]).flatten(1, -1);
    h.linear(&w[4], Some(&w[5])).relu().dropout(0.2, train).linear(&w[6], Some(&w[7]))
}

// BEGIN HIDDEN
/// Weights whose hidden layer after `fc1` has exactly one unit alive: the
/// other 31 rows of `fc1` and their biases are zero, so their ReLU outputs
/// are exactly 0 with or without dropout. Unit `unit` has a bias of 1 and
/// small weights, so it is positive for any image in [0, 1]; its `fc2`
/// weights are at least 0.3 in size. A copy whose logits equal the `fc2`
/// bias had that one unit dropped.
pub fn one_hidden_unit(rng: &mut impl Rng, unit: usize) -> Vec<Tensor> {
    let mut w = random(rng);
    let small: Vec<f32> = (0..256).map(|_| rng.random_range(-0.01f32..0.01)).collect();
    let mut fc1 = vec![0f32; 32 * 256];
    fc1[unit * 256..(unit + 1) * 256].copy_from_slice(&small);
    let mut fc1_bias = vec![0f32; 32];
    fc1_bias[unit] = 1.0;
    let mut fc2: Vec<f32> = Vec::try_from(&w[6].view([-1])).unwrap_or_default();
    for class in 0..2 {
        let magnitude = rng.random_range(0.3f32..0.6);
        fc2[class * 32 + unit] = if rng.random::<bool>() { magnitude } else { -magnitude };
    }
    w[4] = Tensor::from_slice(&fc1).view([32, 256]);
    w[5] = Tensor::from_slice(&fc1_bias);
    w[6] = Tensor::from_slice(&fc2).view([2, 32]);
    w
}
// END HIDDEN
