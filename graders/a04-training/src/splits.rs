//! Exercise 6: splits, judged by the harness's own split-integrity check
//! (disjoint, complete, the expected sizes) plus reproducibility.

use crate::wire::{self, at, ints, list, tensor};
use gradwork::leakage::split_integrity;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::{Device, Kind, Tensor};

const NAMES: [&str; 4] = ["train", "val", "test", "part 4"];

fn sizes(n: i64, percents: &[i64]) -> Vec<usize> {
    let mut sizes: Vec<usize> = percents.iter().map(|p| (n * p / 100) as usize).collect();
    if let Some(last) = sizes.last_mut() {
        *last = n as usize - percents[..percents.len() - 1].iter().map(|p| (n * p / 100) as usize).sum::<usize>();
    }
    sizes
}

fn split(ctx: &mut Ctx, n: i64, percents: &[i64], seed: i64) -> Result<Vec<Vec<i64>>, Failure> {
    let what = format!("`split_indices({n}, &{percents:?}, {seed})`");
    let out = wire::call_ok(ctx, &what, "split_indices", vec![n.into(), percents.to_vec().into(), seed.into()])?;
    list(at(&out, 0)?)?.iter().map(ints).collect()
}

fn judge(ctx: &mut Ctx, n: i64, percents: &[i64], seed: i64) -> Result<Vec<Vec<i64>>, Failure> {
    let parts = split(ctx, n, percents, seed)?;
    if parts.len() != percents.len() {
        return Err(Failure::wrong(format!(
            "`split_indices({n}, &{percents:?}, {seed})` returned {} parts; expected {}, one per percentage.",
            parts.len(),
            percents.len()
        )));
    }
    let named: Vec<(&str, Vec<i64>)> = NAMES.iter().copied().zip(parts.iter().cloned()).collect();
    split_integrity(n as usize, &named, Some(&sizes(n, percents))).map_err(|f| match f {
        Failure::Wrong(m) => Failure::Wrong(format!(
            "`split_indices({n}, &{percents:?}, {seed})`: {m}\n\nSizes: every part but the last gets n · percent / 100 samples (integer division), the last the rest."
        )),
        other => other,
    })?;
    Ok(parts)
}

pub fn splits(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let first = judge(ctx, 1200, &[70, 15, 15], seed)?;
    judge(ctx, 1000, &[60, 20, 20], seed)?;
    let again = split(ctx, 1200, &[70, 15, 15], seed)?;
    if again != first {
        return Err(Failure::wrong(format!(
            "Two calls of `split_indices(1200, &[70, 15, 15], {seed})` gave different splits: the split must depend only on the seed (shuffle with `SplitMix64::new(seed)`)."
        )));
    }
    let other = split(ctx, 1200, &[70, 15, 15], seed + 1)?;
    if other.first() == first.first() {
        return Err(Failure::wrong(format!("Seeds {seed} and {} gave the same training indices: the seed must drive the shuffling.", seed + 1)));
    }
    if first[0].windows(2).all(|w| w[0] < w[1]) {
        return Err(Failure::wrong("The training indices come out sorted: shuffle the indices 0..n before cutting them into parts."));
    }
    match wire::call(ctx, "split_indices", vec![10i64.into(), vec![70i64, 20].into(), seed.into()])? {
        Err(e) if e.kind == "DataError::Percentages" => Ok(()),
        Err(e) => Err(Failure::wrong(format!("`split_indices(10, &[70, 20], ..)` returned `Err({})`; expected `DataError::Percentages`.", e.kind))),
        Ok(_) => Err(Failure::wrong("`split_indices(10, &[70, 20], ..)` accepted percentages that add up to 90: return `Err(DataError::Percentages(..))` unless they add up to 100.")),
    }
}

pub fn splits_odd_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    let seed = ctx.rng().random_range(0..1_000_000i64);
    let n = ctx.rng().random_range(1..500i64);
    let plans: [(i64, &[i64]); 10] = [
        (7, &[70, 15, 15]),
        (13, &[60, 20, 20]),
        (101, &[80, 10, 10]),
        (999, &[50, 50]),
        (3, &[34, 33, 33]),
        (0, &[70, 15, 15]),
        (n, &[100]),
        (n, &[25, 25, 25, 25]),
        (n, &[0, 100]),
        (n, &[90, 10, 0]),
    ];
    for (n, percents) in plans {
        judge(ctx, n, percents, seed)?;
    }
    // Percentages must be non-negative, not only add up to 100.
    let bad: [&[i64]; 4] = [&[110, -10], &[-5, 50, 55], &[], &[50, 49]];
    for percents in bad {
        match wire::call(ctx, "split_indices", vec![20i64.into(), percents.to_vec().into(), seed.into()])? {
            Err(e) if e.kind == "DataError::Percentages" => {}
            Err(e) => {
                return Err(Failure::wrong(format!("`split_indices(20, &{percents:?}, ..)` returned `Err({})`; expected `DataError::Percentages`.", e.kind)))
            }
            Ok(_) => {
                return Err(Failure::wrong(format!(
                    "`split_indices(20, &{percents:?}, ..)` accepted these percentages: return `Err(DataError::Percentages(..))` unless \
                     every percentage is non-negative and they add up to 100."
                )))
            }
        }
    }
    judge_split_dataset(ctx, n, &[60, 20, 20], seed)
}

// BEGIN HIDDEN
/// `split_dataset` must return the rows of `split_indices`' parts, part by part.
fn judge_split_dataset(ctx: &mut Ctx, n: i64, percents: &[i64], seed: i64) -> Result<(), Failure> {
    let parts = split(ctx, n, percents, seed)?;
    let x = Tensor::arange(n * 2, (Kind::Float, Device::Cpu)).view([n, 2]);
    let y = Tensor::arange(n, (Kind::Int64, Device::Cpu)) * 3;
    let what = format!("`split_dataset(dataset of {n} samples, &{percents:?}, {seed})`");
    let out = wire::call_ok(ctx, &what, "split_dataset", vec![Value::arg(&x), Value::arg(&y), percents.to_vec().into(), seed.into()])?;
    let got = list(at(&out, 0)?)?;
    if got.len() != parts.len() {
        return Err(Failure::wrong(format!("{what} returned {} datasets; expected {}, one per percentage.", got.len(), parts.len())));
    }
    for (k, (part, pair)) in parts.iter().zip(got).enumerate() {
        let pair = list(pair)?;
        let idx = Tensor::from_slice(part);
        let name = NAMES.get(k).copied().unwrap_or("a part");
        let rows = "Each dataset is `dataset.subset(part)` of the parts `split_indices(dataset.len(), percents, seed)` returns, in order.";
        let with_hint = |f: Failure| match f {
            Failure::Wrong(m) => Failure::Wrong(format!("{m}\n\n{rows}")),
            other => other,
        };
        ctx.compare(&format!("The features of the {name} dataset of {what}"), &x.index_select(0, &idx), &tensor(at(pair, 0)?)?).map_err(with_hint)?;
        ctx.compare(&format!("The targets of the {name} dataset of {what}"), &y.index_select(0, &idx), &tensor(at(pair, 1)?)?).map_err(with_hint)?;
    }
    Ok(())
}
// END HIDDEN

#[cfg(test)]
mod tests {
    use super::sizes;

    #[test]
    fn sizes_follow_the_handout() {
        assert_eq!(sizes(1200, &[70, 15, 15]), [840, 180, 180]);
        assert_eq!(sizes(1000, &[60, 20, 20]), [600, 200, 200]);
        assert_eq!(sizes(7, &[70, 15, 15]), [4, 1, 2]);
        assert_eq!(sizes(0, &[70, 15, 15]), [0, 0, 0]);
    }
}
