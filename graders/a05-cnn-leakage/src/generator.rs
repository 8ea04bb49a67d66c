//! Exercise 9: the student's fixed generator. Honest means: well-formed
//! images with balanced labels, shapes spread over the image rather than
//! crowded in a corner, no class given away by a trivial feature (total
//! brightness, position), and still learnable by a CNN.

use crate::images::{self, Stump};
use gradwork::outputs;
// BEGIN HIDDEN
use crate::train;
use rand::Rng;
// END HIDDEN
use gradwork::compare::num;
use gradwork::stats::binomial_test;
use gradwork::suite::{Ctx, Failure};
use tch::{Kind, Tensor};

/// A trivial feature reaching this held-out accuracy gives the class away.
pub const SHORTCUT_ACCURACY: f64 = 0.75;

/// Calls `make_images(n, 16)` and checks the format: (n, 1, 16, 16) f32 in
/// [0, 1], labels (n,) i64 in {0, 1}.
fn generate(ctx: &mut Ctx, n: i64) -> Result<(Tensor, Tensor), Failure> {
    generate_sized(ctx, n, images::SIZE)
}

/// Calls `make_images(n, size)` and checks the format: (n, 1, size, size)
/// f32 in [0, 1], labels (n,) i64 in {0, 1}.
fn generate_sized(ctx: &mut Ctx, n: i64, size: i64) -> Result<(Tensor, Tensor), Failure> {
    let out = ctx.call("make_images", vec![n.into(), size.into()])?;
    let [images, labels] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent the wrong outputs for make_images".into()));
    };
    let (x, y) = (outputs::tensor(images, "the images")?, outputs::tensor(labels, "the labels")?);
    let call = format!("`make_images({n}, {size})`");
    if x.size() != [n, 1, size, size] || x.kind() != Kind::Float {
        return Err(Failure::wrong(format!(
            "{call} returned images of shape {:?} and kind {:?}; expected [{n}, 1, {size}, {size}] f32, like \
             `make_images_notebook` (one channel per image, `size` pixels a side).",
            x.size(),
            x.kind()
        )));
    }
    if y.size() != [n] || y.kind() != Kind::Int64 {
        return Err(Failure::wrong(format!(
            "{call} returned labels of shape {:?} and kind {:?}; expected [{n}] i64.",
            y.size(),
            y.kind()
        )));
    }
    let (low, high) = (x.min().double_value(&[]), x.max().double_value(&[]));
    if !(low >= 0.0 && high <= 1.0) {
        return Err(Failure::wrong(format!(
            "{call} returned pixel values from {} to {}; they must lie in [0, 1] (clip after adding the noise).",
            num(low),
            num(high)
        )));
    }
    let bad = y.ne(0).logical_and(&y.ne(1)).sum(Kind::Int64).int64_value(&[]);
    if bad > 0 {
        return Err(Failure::wrong(format!("{call} returned {bad} labels other than 0 (dot) and 1 (ring).")));
    }
    Ok((x, y))
}

fn labels_of(y: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(y).unwrap_or_default()
}

pub fn format(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = 1000;
    let (_, y) = generate(ctx, n)?;
    let rings = y.sum(Kind::Int64).int64_value(&[]) as u64;
    let test = binomial_test(rings, n as u64, 0.5);
    if test.rejects(1e-6) {
        return Err(Failure::wrong(format!(
            "`make_images({n}, 16)` made {rings} rings and {} dots; a fair coin per image gives about {} of each \
             ({test}). Draw each label with probability 1/2.",
            n as u64 - rings,
            n / 2
        )));
    }
    Ok(())
}

pub fn positions(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = 2000;
    let (x, y) = generate(ctx, n)?;
    let labels = labels_of(&y);
    let centroids = images::bright_centroids(&x);
    if let Some(i) = centroids.iter().position(Option::is_none) {
        return Err(Failure::wrong(format!(
            "Image {i} of `make_images({n}, 16)` has no pixel brighter than 0.5: every image must show its dot or \
             ring clearly above the noise."
        )));
    }
    let points: Vec<(f64, f64)> = centroids.into_iter().flatten().collect();
    for (axis, pick) in [("row", 0usize), ("column", 1)] {
        let v: Vec<f64> = points.iter().map(|p| if pick == 0 { p.0 } else { p.1 }).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
        if !(6.0..=9.0).contains(&mean) || sd < 1.5 {
            return Err(Failure::wrong(format!(
                "The shapes of `make_images({n}, 16)` are centred at {axis} {} on average, with a spread (standard \
                 deviation) of {} pixels. Centres drawn uniformly from [4, 11] average 7.5 with a spread of about \
                 2. Draw one centre per image, each coordinate uniformly from [4, size − 5]: the notebook's \
                 `randint(4, size=4)` crowds every shape into the top-left corner.",
                num((mean * 100.0).round() / 100.0),
                num((sd * 100.0).round() / 100.0)
            )));
        }
        let half = v.len() / 2;
        let stump = Stump::fit(&v[..half], &labels[..half]);
        let accuracy = stump.accuracy(&v[half..], &labels[half..]);
        if accuracy >= SHORTCUT_ACCURACY {
            return Err(Failure::wrong(format!(
                "The position of the shape gives the class away: a threshold on the {axis} of the bright pixels' \
                 centre, fitted on {half} images, classifies the other {} with accuracy {}. Dots and rings must \
                 be placed by the same rule.",
                v.len() - half,
                num((accuracy * 1000.0).round() / 1000.0)
            )));
        }
    }
    Ok(())
}

pub fn brightness(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = 4000;
    let (x, y) = generate(ctx, n)?;
    let (ink, labels) = (images::ink(&x), labels_of(&y));
    let half = ink.len() / 2;
    let stump = Stump::fit(&ink[..half], &labels[..half]);
    let accuracy = stump.accuracy(&ink[half..], &labels[half..]);
    let mean = |class: i64| {
        let v: Vec<f64> = ink.iter().zip(&labels).filter(|(_, &l)| l == class).map(|(i, _)| *i).collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let ratio = mean(0) / mean(1);
    if accuracy < SHORTCUT_ACCURACY && (ratio - 1.0).abs() <= INK_RATIO_TOLERANCE {
        return Ok(());
    }
    if accuracy < SHORTCUT_ACCURACY {
        return Err(Failure::wrong(format!(
            "Over {n} images of `make_images({n}, 16)` your dots hold {} of ink on average and your rings {}: the dots \
             have {} times the rings' ink, where the handout asks for as much (within {} %). A ring of radius r lights about \
             2.4πr pixels (those within 0.6 of its circle), a filled disc of radius R about πR²: choose R from r so that \
             the two match, for either size.",
            num((mean(0) * 100.0).round() / 100.0),
            num((mean(1) * 100.0).round() / 100.0),
            num((ratio * 1000.0).round() / 1000.0),
            num(INK_RATIO_TOLERANCE * 100.0)
        )));
    }
    Err(Failure::wrong(format!(
        "Total brightness alone gives the class away: a threshold on the sum of an image's pixels, fitted on {half} \
         images of `make_images({n}, 16)`, classifies the other {} with accuracy {} (it must stay below {}). \
         Your dots hold {} of ink on average and your rings {}. Give each dot as much ink as the ring of its size: \
         a ring of radius r lights about 2.4πr pixels (those within 0.6 of its circle), a filled disc of radius R \
         about πR², so that only the shape tells them apart.",
        ink.len() - half,
        num((accuracy * 1000.0).round() / 1000.0),
        SHORTCUT_ACCURACY,
        num((mean(0) * 100.0).round() / 100.0),
        num((mean(1) * 100.0).round() / 100.0)
    )))
}

pub fn learnable(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n_train, n_test) = (300, 200);
    let (x, y) = generate(ctx, n_train + n_test)?;
    let accuracy = train::grader_cnn_accuracy(
        &x.narrow(0, 0, n_train),
        &y.narrow(0, 0, n_train),
        &x.narrow(0, n_train, n_test),
        &y.narrow(0, n_train, n_test),
        ctx.seed(),
    )
    .map_err(Failure::Grader)?;
    if accuracy >= 0.85 {
        return Ok(());
    }
    Err(Failure::wrong(format!(
        "The grader's own TinyCNN, trained on {n_train} images of `make_images` for {} epochs, tells dots from rings \
         in {n_test} new images with accuracy {} only (on the reference generator it reaches 0.93 or more). The task \
         must stay learnable: a dot must still look like a dot and a ring like a ring, clearly above the noise.",
        train::EPOCHS,
        num((accuracy * 1000.0).round() / 1000.0)
    )))
}

/// How far the dots' mean ink may be from the rings', as a share: the
/// reference's ratio is 0.997–1.011 over seeds 1–4 and 2026; a disc of radius
/// √(r + 2.4) instead of √(2.4·r) gives 0.86.
const INK_RATIO_TOLERANCE: f64 = 0.07;

/// Test images of [`variety`] that may have a near-copy in training, at most (a share).
pub const NEAR_COPY_SHARE: f64 = 0.4;

pub fn variety(ctx: &mut Ctx) -> Result<(), Failure> {
    // The example's split of 2500 images: 1750 for training, 375 for testing.
    let (n_train, n_test, tol) = (1750i64, 375i64, 0.25);
    let (x, y) = generate(ctx, n_train + n_test)?;
    let (train, test) = (x.narrow(0, 0, n_train).reshape([n_train, -1]), x.narrow(0, n_train, n_test).reshape([n_test, -1]));
    let closest = Tensor::cdist(&test.to_kind(Kind::Double), &train.to_kind(Kind::Double), f64::INFINITY, None::<i64>).amin(1, false);
    let near = closest.le(tol);
    let test_labels = y.narrow(0, n_train, n_test);
    let count = |class: i64| {
        let of_class = test_labels.eq(class);
        (near.logical_and(&of_class).sum(Kind::Int64).int64_value(&[]), of_class.sum(Kind::Int64).int64_value(&[]))
    };
    let ((dots_near, dots), (rings_near, rings)) = (count(0), count(1));
    let copies = dots_near + rings_near;
    if (copies as f64) < NEAR_COPY_SHARE * n_test as f64 {
        return Ok(());
    }
    let share = |near: i64, of: i64| near as f64 / of.max(1) as f64;
    let why = if share(rings_near, rings) > 0.5 {
        "Whole-pixel centres allow only 64 positions, so every picture comes back with other noise: draw each \
         coordinate of the centre as a real number (`Tensor::rand`), uniformly in [4, size − 5]."
    } else {
        "Most of them are dots: a dot that lights only a few pixels, or a soft blob, looks the same wherever its \
         centre falls within a pixel or so (a blob moved by a tenth of a pixel changes less than the noise). A \
         filled disc with a ring's ink lights other pixels as its centre moves."
    };
    Err(Failure::wrong(format!(
        "Your generator repeats its pictures: of {n_test} test images drawn by `make_images` together with \
         {n_train} training images, {copies} have a near-copy in training (every pixel within {tol}, the overlap \
         check of exercise 6): {dots_near} of {dots} dots and {rings_near} of {rings} rings. Fewer than {} are \
         expected (honest images: about a quarter). {why}",
        (NEAR_COPY_SHARE * n_test as f64).ceil()
    )))
}

pub fn sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    // The smallest batch, and a larger image: the centre's range and the
    // whole shape must follow `size`, not the notebook's 16.
    let small = ctx.rng().random_range(9..16);
    let _one = generate_sized(ctx, 1, small)?;
    let size = ctx.rng().random_range(20..33);
    let n = 800;
    let (x, _) = generate_sized(ctx, n, size)?;
    let call = format!("`make_images({n}, {size})`");
    let centroids = images::bright_centroids(&x);
    if let Some(i) = centroids.iter().position(Option::is_none) {
        return Err(Failure::wrong(format!(
            "Image {i} of {call} has no pixel brighter than 0.5: every image must show its dot or ring."
        )));
    }
    // No lit pixel on the border: a centre in [4, size − 5] keeps a ring of
    // radius 3 (lit out to 3.6) at least 0.4 pixels inside.
    let lit = x.gt(0.5);
    let edges = [lit.select(2, 0), lit.select(2, size - 1), lit.select(3, 0), lit.select(3, size - 1)].map(|e| e.reshape([n, -1]));
    let cut = Tensor::cat(&edges, 1).any_dim(1, false).sum(Kind::Int64).int64_value(&[]);
    if cut > 0 {
        return Err(Failure::wrong(format!(
            "{cut} of the {n} images of {call} have lit pixels on their border: their shape does not fit in the \
             image. Draw each coordinate of the centre from [4, size − 5], with `size` the argument."
        )));
    }
    let points: Vec<(f64, f64)> = centroids.into_iter().flatten().collect();
    let middle = (size - 1) as f64 / 2.0;
    let uniform_sd = (size - 9) as f64 / 12f64.sqrt();
    for (axis, pick) in [("row", 0usize), ("column", 1)] {
        let v: Vec<f64> = points.iter().map(|p| if pick == 0 { p.0 } else { p.1 }).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let sd = (v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
        if (mean - middle).abs() > 1.0 || sd < 0.75 * uniform_sd {
            return Err(Failure::wrong(format!(
                "The shapes of {call} are centred at {axis} {} on average, with a spread of {} pixels. Centres \
                 drawn uniformly from [4, {}] (that is [4, size − 5]) average {} with a spread of about {}: use \
                 the `size` argument, not the notebook's 16.",
                num((mean * 100.0).round() / 100.0),
                num((sd * 100.0).round() / 100.0),
                size - 5,
                num(middle),
                num((uniform_sd * 100.0).round() / 100.0)
            )));
        }
    }
    Ok(())
}
