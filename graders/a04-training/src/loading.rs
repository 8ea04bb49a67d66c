//! Exercise 5: the data loader. The grader gives it samples whose features
//! and targets are their own index, so it can see exactly which samples each
//! batch holds.

use crate::wire::{self, at, int, list, tensor};
use gradwork::stats::{chi_square_gof, DEFAULT_ALPHA};
use gradwork::suite::{judge_test, Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

/// The sample ids of each batch of each epoch.
pub struct Epochs {
    /// What `num_batches()` said.
    pub num_batches: i64,
    /// For each epoch, the sample ids of each batch.
    pub epochs: Vec<Vec<Vec<i64>>>,
}

fn ids(t: &Tensor) -> Vec<i64> {
    t.to_kind(Kind::Double).flatten(0, -1).iter::<f64>().map(|it| it.map(|v| v as i64).collect()).unwrap_or_default()
}

/// Runs the student's loader over samples `0..n` (x = its index as f32, one
/// column; y = its index as i64) and reads the batches.
pub fn run(ctx: &mut Ctx, n: i64, batch_size: i64, shuffle: bool, seed: i64, epochs: i64) -> Result<Epochs, Failure> {
    let x = Tensor::arange(n, (Kind::Float, Device::Cpu)).view([n, 1]);
    let y = Tensor::arange(n, (Kind::Int64, Device::Cpu));
    let what = format!("`DataLoader::new(dataset of {n} samples, {batch_size}, {shuffle}, seed {seed})`");
    let out = wire::call_ok(
        ctx,
        &what,
        "loader_epochs",
        vec![Value::arg(&x), Value::arg(&y), batch_size.into(), shuffle.into(), seed.into(), epochs.into()],
    )?;
    let num_batches = int(at(&out, 0)?)?;
    let mut all = Vec::new();
    for (e, epoch) in list(at(&out, 1)?)?.iter().enumerate() {
        let mut batches = Vec::new();
        for (b, batch) in list(epoch)?.iter().enumerate() {
            let pair = list(batch)?;
            let (xb, yb) = (tensor(at(pair, 0)?)?, tensor(at(pair, 1)?)?);
            if xb.dim() != 2 || xb.size()[1] != 1 {
                return Err(Failure::wrong(format!(
                    "Epoch {} of {what}: batch {b} has features of shape {:?}; the dataset's x has shape [{n}, 1], so a batch of k samples must have shape [k, 1].",
                    e + 1,
                    xb.size()
                )));
            }
            let (xs, ys) = (ids(&xb), ids(&yb));
            if xs != ys {
                return Err(Failure::wrong(format!(
                    "Epoch {} of {what}: batch {b} pairs features of samples {xs:?} with targets of samples {ys:?}. \
                     Take the rows of x and of y with the same indices.",
                    e + 1
                )));
            }
            batches.push(xs);
        }
        all.push(batches);
    }
    Ok(Epochs { num_batches, epochs: all })
}

fn preview(v: &[i64]) -> String {
    if v.len() <= 12 {
        format!("{v:?}")
    } else {
        format!("[{} …]", v[..12].iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
    }
}

/// Every sample exactly once, batch sizes `batch_size` except a smaller last one.
fn judge_epoch(what: &str, epoch: usize, batches: &[Vec<i64>], n: i64, batch_size: i64) -> Result<(), Failure> {
    let sizes: Vec<i64> = batches.iter().map(|b| b.len() as i64).collect();
    let mut want: Vec<i64> = vec![batch_size; (n / batch_size) as usize];
    if n % batch_size != 0 {
        want.push(n % batch_size);
    }
    let mut seen = vec![0usize; n as usize];
    for &i in batches.iter().flatten() {
        if let Some(count) = usize::try_from(i).ok().and_then(|i| seen.get_mut(i)) {
            *count += 1;
        }
    }
    let missing: Vec<i64> = (0..n).filter(|&i| seen[i as usize] == 0).collect();
    let repeated: Vec<i64> = (0..n).filter(|&i| seen[i as usize] > 1).collect();
    if !missing.is_empty() {
        let last = if n % batch_size != 0 {
            format!(" With {n} samples and batches of {batch_size}, the last batch holds the remaining {}: keep it (PyTorch's `drop_last=False`).", n % batch_size)
        } else {
            String::new()
        };
        return Err(Failure::wrong(format!(
            "Epoch {epoch} of {what} never yields {} of the {n} samples (e.g. {}). Every sample must appear exactly once per epoch.{last}\n\nBatch sizes: {sizes:?}",
            missing.len(),
            preview(&missing)
        )));
    }
    if !repeated.is_empty() {
        return Err(Failure::wrong(format!(
            "Epoch {epoch} of {what} yields {} samples more than once (e.g. {}). Every sample must appear exactly once per epoch: shuffle a permutation of the indices, do not draw indices at random.",
            repeated.len(),
            preview(&repeated)
        )));
    }
    if sizes != want {
        return Err(Failure::wrong(format!(
            "Epoch {epoch} of {what} has batch sizes {sizes:?}; expected {want:?}: full batches of {batch_size}, then one smaller batch with the rest."
        )));
    }
    Ok(())
}

pub fn loader_epoch(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    for (n, batch_size, shuffle) in [(103i64, 10i64, true), (40, 8, true), (23, 64, false), (37, 5, false)] {
        let what = format!("`DataLoader` over {n} samples with batch_size {batch_size}, shuffle {shuffle}");
        let run = run(ctx, n, batch_size, shuffle, seed, 2)?;
        let want_batches = (n + batch_size - 1) / batch_size;
        if run.num_batches != want_batches {
            return Err(Failure::wrong(format!(
                "{what}: `num_batches()` returned {}, expected {want_batches} (the number of samples divided by the batch size, rounded up).",
                run.num_batches
            )));
        }
        for (e, batches) in run.epochs.iter().enumerate() {
            judge_epoch(&what, e + 1, batches, n, batch_size)?;
            let order: Vec<i64> = batches.iter().flatten().copied().collect();
            if !shuffle && order != (0..n).collect::<Vec<_>>() {
                return Err(Failure::wrong(format!(
                    "Epoch {} of {what} visits the samples in the order {}; without shuffling it must be 0, 1, 2, ...",
                    e + 1,
                    preview(&order)
                )));
            }
        }
    }
    let x = Tensor::zeros([4, 1], (Kind::Float, Device::Cpu));
    let y = Tensor::zeros([4], (Kind::Int64, Device::Cpu));
    match wire::call(ctx, "loader_epochs", vec![Value::arg(&x), Value::arg(&y), 0i64.into(), true.into(), 0i64.into(), 1i64.into()])? {
        Err(e) if e.kind == "DataError::BatchSize" => Ok(()),
        Err(e) => Err(Failure::wrong(format!(
            "`DataLoader::new(.., 0, ..)` returned `Err({})`; expected `DataError::BatchSize(0)`.",
            e.kind
        ))),
        Ok(_) => Err(Failure::wrong("`DataLoader::new` accepted batch_size 0: return `Err(DataError::BatchSize(0))` for a batch size below 1.")),
    }
}

pub fn loader_any_size(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let small = ctx.rng().random_range(2..30i64);
    let large = ctx.rng().random_range(30..300i64);
    let odd_batch = ctx.rng().random_range(3..(large / 2));
    // (samples, batch size, shuffle): one sample, no sample, a batch larger
    // than the data, exactly the data, batches of one, and sizes from the seed.
    let plans = [
        (1i64, 1i64, true),
        (1, 5, false),
        (0, 4, true),
        (0, 1, false),
        (small, small, true),
        (small, small + ctx.rng().random_range(1..10i64), true),
        (small, 1, true),
        (large, odd_batch, true),
        (large, odd_batch, false),
    ];
    for (n, batch_size, shuffle) in plans {
        let what = format!("`DataLoader` over {n} samples with batch_size {batch_size}, shuffle {shuffle} (seed {seed})");
        let run = run(ctx, n, batch_size, shuffle, seed, 3)?;
        let want_batches = (n + batch_size - 1) / batch_size;
        if run.num_batches != want_batches {
            return Err(Failure::wrong(format!(
                "{what}: `num_batches()` returned {}, expected {want_batches} = ⌈{n} / {batch_size}⌉ (the number of samples divided by the batch size, rounded up).",
                run.num_batches
            )));
        }
        if run.epochs.len() != 3 {
            return Err(Failure::Grader(format!("the runner sent {} epochs instead of 3", run.epochs.len())));
        }
        for (e, batches) in run.epochs.iter().enumerate() {
            judge_epoch(&what, e + 1, batches, n, batch_size)?;
            let order: Vec<i64> = batches.iter().flatten().copied().collect();
            if !shuffle && order != (0..n).collect::<Vec<_>>() {
                return Err(Failure::wrong(format!(
                    "Epoch {} of {what} visits the samples in the order {}; without shuffling it must be 0, 1, 2, ...",
                    e + 1,
                    preview(&order)
                )));
            }
        }
    }
    let x = Tensor::zeros([4, 1], (Kind::Float, Device::Cpu));
    let y = Tensor::zeros([4], (Kind::Int64, Device::Cpu));
    for batch_size in [-1i64, -ctx.rng().random_range(2..100i64)] {
        match wire::call(ctx, "loader_epochs", vec![Value::arg(&x), Value::arg(&y), batch_size.into(), true.into(), 0i64.into(), 1i64.into()])? {
            Err(e) if e.kind == "DataError::BatchSize" => {}
            Err(e) => {
                return Err(Failure::wrong(format!(
                    "`DataLoader::new(.., {batch_size}, ..)` returned `Err({})`; expected `DataError::BatchSize({batch_size})`.",
                    e.kind
                )))
            }
            Ok(_) => {
                return Err(Failure::wrong(format!(
                    "`DataLoader::new` accepted batch_size {batch_size}: every batch size below 1 is an error, \
                     `Err(DataError::BatchSize({batch_size}))`, negative ones included (`batch_size < 1`, not `== 0`)."
                )))
            }
        }
    }
    // The smallest permutations: of nothing, of one element, of two.
    for n in [0i64, 1, 2] {
        let out = ctx.call("permutations", vec![n.into(), seed.into(), 4i64.into()])?;
        let values = match at(&out, 0)? {
            v @ Value::List(_) => wire::ints(v)?,
            v => ids(&tensor(v)?),
        };
        for p in values.chunks(n.max(1) as usize) {
            let mut sorted = p.to_vec();
            sorted.sort();
            if sorted != (0..n).collect::<Vec<_>>() {
                return Err(Failure::wrong(format!("`permutation({n}, rng)` returned {p:?}, which is not a permutation of 0..{n}: every index exactly once.")));
            }
        }
        if values.len() as i64 != 4 * n {
            return Err(Failure::wrong(format!("`permutation({n}, rng)` returned {} entries in four calls; expected {} (a permutation of 0..{n} each time).", values.len(), 4 * n)));
        }
    }
    Ok(())
}

fn order(run: &Epochs, epoch: usize) -> Vec<i64> {
    run.epochs.get(epoch).map(|b| b.iter().flatten().copied().collect()).unwrap_or_default()
}

pub fn loader_shuffle(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, batch_size) = (50i64, 8i64);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let what = format!("a shuffling `DataLoader` over {n} samples (seed {seed})");
    let first = run(ctx, n, batch_size, true, seed, 3)?;
    for e in 0..3 {
        judge_epoch(&what, e + 1, first.epochs.get(e).map(Vec::as_slice).unwrap_or(&[]), n, batch_size)?;
    }
    let (e1, e2) = (order(&first, 0), order(&first, 1));
    if e1 == (0..n).collect::<Vec<_>>() {
        return Err(Failure::wrong(format!("Epoch 1 of {what} visits the samples in their original order 0, 1, 2, ...: with shuffle = true, each epoch needs a random order.")));
    }
    if e1 == e2 {
        return Err(Failure::wrong(format!(
            "Epochs 1 and 2 of {what} visit the samples in the same order {}. Each epoch must draw a new order: keep one generator in the loader and keep drawing from it, do not make a new one from the seed every epoch.",
            preview(&e1)
        )));
    }
    let again = run(ctx, n, batch_size, true, seed, 3)?;
    for e in 0..3 {
        if order(&again, e) != order(&first, e) {
            return Err(Failure::wrong(format!(
                "Two loaders made with the same seed {seed} give different orders in epoch {}: {} and {}. The order must depend only on the seed (use the loader's own `SplitMix64`, not libtorch's global generator).",
                e + 1,
                preview(&order(&first, e)),
                preview(&order(&again, e))
            )));
        }
    }
    let other = run(ctx, n, batch_size, true, seed + 1, 1)?;
    if order(&other, 0) == e1 {
        return Err(Failure::wrong(format!(
            "Loaders made with seeds {seed} and {} give the same order {}: the seed must drive the shuffling.",
            seed + 1,
            preview(&e1)
        )));
    }
    Ok(())
}

/// Rank of a permutation of 0..n among all n! permutations (Lehmer code).
fn rank(p: &[i64]) -> i64 {
    let mut r = 0i64;
    for i in 0..p.len() {
        let smaller = p[i + 1..].iter().filter(|&&v| v < p[i]).count() as i64;
        r = r * (p.len() - i) as i64 + smaller;
    }
    r
}

pub fn permutation_uniform(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, count) = (5i64, 12_000i64);
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let out = ctx.call("permutations", vec![n.into(), seed.into(), count.into()])?;
    let rows = match at(&out, 0)? {
        v @ Value::List(_) => {
            let p = wire::ints(v)?;
            return Err(Failure::wrong(format!("`permutation({n}, rng)` returned {p:?}, which has {} entries; expected a permutation of 0..{n}.", p.len())));
        }
        v => tensor(v)?,
    };
    let values = ids(&rows);
    let mut ranks = Vec::with_capacity(count as usize);
    for p in values.chunks_exact(n as usize) {
        let mut sorted = p.to_vec();
        sorted.sort();
        if sorted != (0..n).collect::<Vec<_>>() {
            return Err(Failure::wrong(format!("`permutation({n}, rng)` returned {p:?}, which is not a permutation of 0..{n}: every index exactly once.")));
        }
        ranks.push(rank(p));
    }
    let orders = (1..=n).product::<i64>();
    let test = chi_square_gof(&ranks, |k| if k < orders { 1.0 / orders as f64 } else { 0.0 });
    judge_test(
        &format!("{count} calls of `permutation({n}, rng)`"),
        &format!("uniformly random orders (each of the {orders} orders equally likely)"),
        &test,
        DEFAULT_ALPHA,
        "Some orders come up far more often than others. In Fisher–Yates, entry i swaps with a random entry j in 0..=i (`rng.below(i + 1)`), not in 0..n: the latter looks random but favours some orders.",
    )
}

#[cfg(test)]
mod tests {
    use super::rank;

    #[test]
    fn ranks_number_every_order_once() {
        assert_eq!(rank(&[0, 1, 2]), 0);
        assert_eq!(rank(&[2, 1, 0]), 5);
        let mut seen = std::collections::HashSet::new();
        for a in 0..4i64 {
            for b in 0..4 {
                for c in 0..4 {
                    for d in 0..4 {
                        let p = [a, b, c, d];
                        if (0..4).all(|v| p.contains(&v)) {
                            assert!(seen.insert(rank(&p)));
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), 24);
        assert!(seen.iter().all(|&r| (0..24).contains(&r)));
    }
}
