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
