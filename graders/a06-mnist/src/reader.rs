//! Exercises 1–2: the IDX reader on good, truncated and wrong-magic files,
//! and loading the four files of a directory.

use crate::idx_bytes::{self, arg, file, random_labels, random_pixels, IMAGES_MAGIC, LABELS_MAGIC};
use crate::digits;
use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

/// What the student's reader returned.
enum Read {
    /// `Ok(...)`: the outputs after "ok".
    Ok(Vec<Value>),
    /// `Err(e)`: the variant's name, its Display text, and (expected, found) where the variant has them.
    Err { variant: String, message: String, numbers: Vec<i64> },
}

impl Read {
    fn describe(&self) -> String {
        match self {
            Read::Ok(values) => match values.first() {
                Some(Value::Tensor(t)) => format!("`Ok` with a tensor of shape {:?}", t.shape),
                Some(Value::List(dims)) => format!("`Ok` with dimensions {dims:?}"),
                _ => "`Ok`".into(),
            },
            Read::Err { variant, message, .. } => format!("`Err(IdxError::{variant} {{ .. }})` (\"{message}\"){}", self.endianness_hint()),
        }
    }

    /// A hint when a magic number was read with its bytes reversed.
    fn endianness_hint(&self) -> String {
        match self {
            Read::Err { variant, numbers, .. } if variant == "BadMagic" => match numbers.as_slice() {
                [_, found] if [IMAGES_MAGIC, LABELS_MAGIC].iter().any(|m| m.swap_bytes() as i64 == *found) => format!(
                    ". The magic your reader found, {found}, is {} with its four bytes reversed: the header is \
                     big-endian, so read it with `u32::from_be_bytes`",
                    (*found as u32).swap_bytes()
                ),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }
}

fn call_read(ctx: &mut Ctx, function: &str, args: Vec<Value>) -> Result<Read, Failure> {
    let mut out = ctx.call(function, args)?;
    let tag = outputs::text(out.first().unwrap_or(&Value::Unit), "the result tag")?;
    if tag == "ok" {
        out.remove(0);
        return Ok(Read::Ok(out));
    }
    let [_, variant, message, numbers] = out.as_slice() else {
        return Err(Failure::Grader("the runner sent a malformed reader error".into()));
    };
    Ok(Read::Err {
        variant: outputs::text(variant, "the error variant")?,
        message: outputs::text(message, "the error message")?,
        numbers: outputs::ints(numbers, "the error's numbers")?,
    })
}

/// Reads `bytes` with `function` and compares the tensor with `want`.
fn expect_tensor(ctx: &mut Ctx, function: &str, bytes: &[u8], want: &Tensor, what: &str) -> Result<(), Failure> {
    match call_read(ctx, function, vec![arg(bytes)])? {
        Read::Ok(values) => {
            let got = outputs::tensor(values.first().unwrap_or(&Value::Unit), "the tensor read")?;
            ctx.compare(&format!("`{function}` of {what}"), want, &got)
        }
        other => Err(Failure::wrong(format!(
            "`{function}` of {what} should succeed, but returned {}.",
            other.describe()
        ))),
    }
}

pub fn images(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(3..8usize);
    let rows = ctx.rng().random_range(2..6usize);
    let cols = rows + ctx.rng().random_range(1..5usize);
    let data = random_pixels(ctx.rng(), n, rows, cols);
    let bytes = file(IMAGES_MAGIC, &[n as u32, rows as u32, cols as u32], &data);
    let want = idx_bytes::images_tensor(&data, n as i64, rows as i64, cols as i64);
    let what = format!("a file of {n} images of {rows} rows × {cols} columns (pixels 0..=255)");
    expect_tensor(ctx, "read_idx_images", &bytes, &want, &what)?;
    let shipped = digits::load().map_err(Failure::Grader)?;
    expect_tensor(ctx, "read_idx_images", digits::FILES[0].1, &shipped.train_images, "the shipped `train-images-idx3-ubyte` (1500 images of 8×8)")
}

pub fn labels(ctx: &mut Ctx) -> Result<(), Failure> {
    let n = ctx.rng().random_range(5..20usize);
    let data = random_labels(ctx.rng(), n);
    let bytes = file(LABELS_MAGIC, &[n as u32], &data);
    expect_tensor(ctx, "read_idx_labels", &bytes, &idx_bytes::labels_tensor(&data), &format!("a file of {n} labels"))?;
    let shipped = digits::load().map_err(Failure::Grader)?;
    expect_tensor(ctx, "read_idx_labels", digits::FILES[3].1, &shipped.test_labels, "the shipped `t10k-labels-idx1-ubyte` (297 labels)")
}

/// Expects `Err(IdxError::<variant> { expected, found })` from reading `bytes` with `function`.
fn expect_error(ctx: &mut Ctx, function: &str, bytes: &[u8], what: &str, variant: &str, numbers: [i64; 2]) -> Result<(), Failure> {
    let fields = match variant {
        "Truncated" => format!("expected_bytes: {}, found_bytes: {}", bytes_count(numbers[0]), numbers[1]),
        _ => format!("expected: {}, found: {}", numbers[0], numbers[1]),
    };
    let want = format!("`Err(IdxError::{variant} {{ path, {fields} }})`");
    let read = call_read(ctx, function, vec![arg(bytes)]).map_err(|failure| match failure {
        Failure::Call { call, error: error @ gradwork::submission::CallError::Panicked { .. } } => {
            let (_, panicked) = gradwork::suite::describe(&Failure::Call { call, error }, ctx.spec(), ctx.limit_s());
            Failure::wrong(format!(
                "`{function}` of {what} should return {want}, but it panicked. A reader must return an error for a \
                 bad file, never panic: check the length before every slice or index.\n\n{panicked}"
            ))
        }
        other => other,
    })?;
    let hint = read.endianness_hint();
    match read {
        Read::Err { variant: v, numbers: got, .. } if v == variant && got == numbers => Ok(()),
        Read::Err { variant: v, numbers: got, .. } if v == variant => {
            let shown: Vec<String> = got.iter().map(|&n| if v == "Truncated" { bytes_count(n) } else { n.to_string() }).collect();
            Err(Failure::wrong(format!(
                "`{function}` of {what} returned `IdxError::{v}` as it should, but with the numbers [{}]; expected \
                 {want}{hint}.",
                shown.join(", ")
            )))
        }
        other => Err(Failure::wrong(format!("`{function}` of {what} should return {want}, but returned {}.", other.describe()))),
    }
}

/// A byte count as the runner sends it (an i64): `u64::MAX` arrives as −1.
fn bytes_count(n: i64) -> String {
    if n == u64::MAX as i64 {
        "u64::MAX".into()
    } else {
        (n as u64).to_string()
    }
}

pub fn truncated(ctx: &mut Ctx) -> Result<(), Failure> {
    let (n, rows, cols) = (4u32, 5u32, 6u32);
    let data = random_pixels(ctx.rng(), 4, 5, 6);
    let images = file(IMAGES_MAGIC, &[n, rows, cols], &data);
    let full = images.len() as i64;
    let labels = file(LABELS_MAGIC, &[7], &random_labels(ctx.rng(), 7));
    let cases: [(&str, Vec<u8>, String, [i64; 2]); 5] = [
        ("read_idx_images", images[..10].to_vec(), "an image file cut after 10 bytes, inside its 16-byte header".into(), [16, 10]),
        ("read_idx_images", images[..images.len() - 5].to_vec(), format!("an image file of 4 images of 5×6 missing its last 5 bytes ({} of {full})", full - 5), [full, full - 5]),
        ("read_idx_images", Vec::new(), "an empty file".into(), [16, 0]),
        ("read_idx_labels", labels[..6].to_vec(), "a label file cut after 6 bytes, inside its 8-byte header".into(), [8, 6]),
        (
            "read_idx_images",
            file(IMAGES_MAGIC, &[2_000_000_000, 28, 28], &[0; 100]),
            "an image file whose header announces 2 000 000 000 images of 28×28 but which holds 100 bytes of pixels".into(),
            [16 + 2_000_000_000 * 784, 116],
        ),
    ];
    for (function, bytes, what, numbers) in cases {
        expect_error(ctx, function, &bytes, &what, "Truncated", numbers)?;
    }
    Ok(())
}

pub fn wrong_magic(ctx: &mut Ctx) -> Result<(), Failure> {
    let labels = file(LABELS_MAGIC, &[6], &random_labels(ctx.rng(), 6));
    let images = file(IMAGES_MAGIC, &[2, 3, 3], &random_pixels(ctx.rng(), 2, 3, 3));
    let gzip = [0x1f, 0x8b, 0x08, 0x08, 0x5c, 0x2e, 0x0a, 0x58, 0x00, 0x03, 0x74, 0x72, 0x61, 0x69, 0x6e, 0x2d, 0x69];
    let cases: [(&str, &[u8], &str, [i64; 2]); 3] = [
        ("read_idx_images", &labels, "a file of labels (magic 2049)", [2051, 2049]),
        ("read_idx_labels", &images, "a file of images (magic 2051)", [2049, 2051]),
        ("read_idx_images", &gzip, "a gzip-compressed file (it starts with the bytes 1f 8b 08 08)", [2051, 0x1f8b_0808]),
    ];
    for (function, bytes, what, numbers) in cases {
        expect_error(ctx, function, bytes, what, "BadMagic", numbers)?;
    }
    Ok(())
}

pub fn real_sizes(ctx: &mut Ctx) -> Result<(), Failure> {
    // MNIST-sized images: the count needs two bytes (300 = 0x012C).
    let (n, side) = (300usize, 28usize);
    let data = random_pixels(ctx.rng(), n, side, side);
    let bytes = file(IMAGES_MAGIC, &[n as u32, side as u32, side as u32], &data);
    let want = idx_bytes::images_tensor(&data, n as i64, side as i64, side as i64);
    expect_tensor(ctx, "read_idx_images", &bytes, &want, "a file of 300 MNIST-sized images (28×28)")?;
    match call_read(ctx, "read_idx", vec![arg(&bytes), (IMAGES_MAGIC as i64).into(), 3i64.into()])? {
        Read::Ok(values) => {
            let dims = outputs::ints(values.first().unwrap_or(&Value::Unit), "the dimensions")?;
            if dims != [300, 28, 28] {
                return Err(Failure::wrong(format!(
                    "`read_idx(path, 2051, 3)` of a file of 300 images of 28×28 returned the dimensions {dims:?}, \
                     expected [300, 28, 28]. The count 300 takes two bytes (0x00 0x00 0x01 0x2C): read all four \
                     bytes of each dimension, big-endian."
                )));
            }
            Ok(())
        }
        other => Err(Failure::wrong(format!(
            "`read_idx(path, 2051, 3)` of a file of 300 images of 28×28 should succeed, but returned {}.",
            other.describe()
        ))),
    }
}

pub fn load_mnist(ctx: &mut Ctx) -> Result<(), Failure> {
    let all: Vec<Value> = digits::FILES.iter().map(|(_, bytes)| arg(bytes)).collect();
    let shipped = digits::load().map_err(Failure::Grader)?;
    match call_read(ctx, "load_mnist", all.clone())? {
        Read::Ok(values) => {
            let wants = [&shipped.train_images, &shipped.train_labels, &shipped.test_images, &shipped.test_labels];
            for ((name, _), (got, want)) in digits::FILES.iter().zip(values.iter().zip(wants)) {
                let got = outputs::tensor(got, name)?;
                ctx.compare(&format!("What `load_mnist(dir)` read from `{name}`"), want, &got)?;
            }
        }
        other => {
            return Err(Failure::wrong(format!(
                "`load_mnist(dir)` of a directory holding the four shipped digit files should succeed, but returned {}. \
                 The files are named {:?}.",
                other.describe(),
                digits::FILES.iter().map(|f| f.0).collect::<Vec<_>>()
            )))
        }
    }
    let mut missing = all;
    missing[3] = Value::List(vec![]);
    match call_read(ctx, "load_mnist", missing)? {
        Read::Err { variant, .. } if variant == "Io" => Ok(()),
        other => Err(Failure::wrong(format!(
            "`load_mnist(dir)` of a directory without `t10k-labels-idx1-ubyte` should return `Err(IdxError::Io {{ .. }})`, \
             but returned {}.",
            other.describe()
        ))),
    }
}

pub fn layout(ctx: &mut Ctx) -> Result<(), Failure> {
    // Any rank (the magic's last byte is the rank: 2050 for 2-d, 2052 for 4-d).
    for rank in [2usize, 4] {
        let dims: Vec<u32> = (0..rank).map(|_| ctx.rng().random_range(1..6u32)).collect();
        let count: usize = dims.iter().map(|&d| d as usize).product();
        let data: Vec<u8> = (0..count).map(|_| ctx.rng().random()).collect();
        let magic = 2048 + rank as u32;
        let bytes = file(magic, &dims, &data);
        let what = format!("`read_idx(path, {magic}, {rank})` of a file with the {rank} dimensions {dims:?}");
        expect_idx(ctx, &bytes, magic, rank, &dims, &data, &what)?;
    }
    // Bytes after the announced data are ignored.
    let (n, rows, cols) = (ctx.rng().random_range(2..6usize), ctx.rng().random_range(2..6usize), ctx.rng().random_range(2..6usize));
    let data = random_pixels(ctx.rng(), n, rows, cols);
    let extra: Vec<u8> = (0..ctx.rng().random_range(1..40)).map(|_| ctx.rng().random()).collect();
    let mut bytes = file(IMAGES_MAGIC, &[n as u32, rows as u32, cols as u32], &data);
    bytes.extend_from_slice(&extra);
    let what = format!(
        "a file of {n} images of {rows}×{cols} followed by {} more bytes (which the header does not announce, so a \
         reader ignores them)",
        extra.len()
    );
    expect_idx(ctx, &bytes, IMAGES_MAGIC, 3, &[n as u32, rows as u32, cols as u32], &data, &format!("`read_idx(path, 2051, 3)` of {what}"))?;
    let want = idx_bytes::images_tensor(&data, n as i64, rows as i64, cols as i64);
    expect_tensor(ctx, "read_idx_images", &bytes, &want, &what)?;
    // A header announcing no images at all.
    let (rows, cols) = (ctx.rng().random_range(2..9usize), ctx.rng().random_range(2..9usize));
    let bytes = file(IMAGES_MAGIC, &[0, rows as u32, cols as u32], &[]);
    let want = idx_bytes::images_tensor(&[], 0, rows as i64, cols as i64);
    expect_tensor(ctx, "read_idx_images", &bytes, &want, &format!("a file whose header announces 0 images of {rows}×{cols}"))
}

// BEGIN HIDDEN
/// Expects `read_idx(bytes, magic, rank)` to return exactly `dims` and `data`.
fn expect_idx(ctx: &mut Ctx, bytes: &[u8], magic: u32, rank: usize, dims: &[u32], data: &[u8], what: &str) -> Result<(), Failure> {
    match call_read(ctx, "read_idx", vec![arg(bytes), (magic as i64).into(), (rank as i64).into()])? {
        Read::Ok(values) => {
            let got_dims = outputs::ints(values.first().unwrap_or(&Value::Unit), "the dimensions")?;
            let want_dims: Vec<i64> = dims.iter().map(|&d| d as i64).collect();
            if got_dims != want_dims {
                return Err(Failure::wrong(format!(
                    "{what} returned the dimensions {got_dims:?}, expected {want_dims:?}: the header holds `rank` \
                     big-endian u32 after the magic, so it is 4·(1 + rank) bytes long."
                )));
            }
            let got = outputs::tensor(values.get(1).unwrap_or(&Value::Unit), "the data")?;
            let got: Vec<u8> = Vec::try_from(&got.to_kind(tch::Kind::Uint8)).unwrap_or_default();
            if got != data {
                return Err(Failure::wrong(format!(
                    "{what} returned {} data bytes, expected exactly the {} the dimensions announce{}: the data \
                     starts right after the header and holds the product of the dimensions bytes; whatever follows \
                     is not part of it.",
                    got.len(),
                    data.len(),
                    if got.len() == data.len() { ", but other ones" } else { "" }
                )));
            }
            Ok(())
        }
        other => Err(Failure::wrong(format!("{what} should succeed, but returned {}.", other.describe()))),
    }
}
// END HIDDEN

pub fn errors_edge(ctx: &mut Ctx) -> Result<(), Failure> {
    // The magic is judged first: a file of 4 or more bytes with the wrong
    // magic is BadMagic even when it is also shorter than its header.
    let short = ctx.rng().random_range(4..16usize);
    let labels_head = file(LABELS_MAGIC, &[9], &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    let what = format!("the first {short} bytes of a label file (magic 2049), read as images");
    expect_error(ctx, "read_idx_images", &labels_head[..short.min(labels_head.len())], &what, "BadMagic", [2051, 2049])?;
    // Fewer than four bytes: no magic to read, so the header is cut short.
    let tiny = ctx.rng().random_range(1..4usize);
    let images = file(IMAGES_MAGIC, &[1, 2, 2], &[0, 1, 2, 3]);
    expect_error(ctx, "read_idx_images", &images[..tiny], &format!("a file of {tiny} byte(s)"), "Truncated", [16, tiny as i64])?;
    expect_error(ctx, "read_idx_labels", &file(LABELS_MAGIC, &[1], &[7])[..tiny], &format!("a label file of {tiny} byte(s)"), "Truncated", [8, tiny as i64])?;
    // The largest count a label header can announce: 8 + 4 294 967 295 bytes.
    let labels = file(LABELS_MAGIC, &[u32::MAX], &[3; 20]);
    expect_error(
        ctx,
        "read_idx_labels",
        &labels,
        "a label file whose header announces 4 294 967 295 labels but which holds 20",
        "Truncated",
        [8 + u32::MAX as i64, 28],
    )?;
    // Dimensions whose product does not fit in a u64: expected_bytes saturates.
    let huge = file(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[0; 8]);
    expect_error(
        ctx,
        "read_idx_images",
        &huge,
        "an image file whose header announces 4 294 967 295 images of 4 294 967 295 × 4 294 967 295 pixels (more \
         bytes than a u64 can count: multiply with `saturating_mul` or `checked_mul`)",
        "Truncated",
        [u64::MAX as i64, 24],
    )
}
