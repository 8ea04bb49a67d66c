//! Exercise 1: the student's loader on stores the grader writes with zarrs:
//! the shipped one, fresh ones of other shapes and chunkings, and broken ones.

use crate::store::{self, Spec, Values};
use gradwork::outputs;
use gradwork::suite::{Ctx, Failure};
use gradwork::value::Value;
use rand::Rng;
use tch::Tensor;

/// What `load_frames` returned.
enum Loaded {
    Ok { data: Tensor, dims: Vec<String>, time_step: f64 },
    Err { variant: String, message: String, details: Vec<Value> },
}

impl Loaded {
    fn describe(&self) -> String {
        match self {
            Loaded::Ok { data, dims, time_step } => format!("`Ok` with frames of shape {:?}, dimensions {dims:?} and time step {time_step}", data.size()),
            Loaded::Err { variant, message, .. } => format!("`Err(LoadError::{variant} {{ .. }})` (\"{message}\")"),
        }
    }
}

/// A store's files as the runner takes them: `[[path, bytes], …]`.
fn files_arg(files: &[(String, Vec<u8>)]) -> Value {
    Value::List(files.iter().map(|(name, bytes)| Value::List(vec![name.as_str().into(), Value::arg(&Tensor::from_slice(bytes))])).collect())
}

fn call_load(ctx: &mut Ctx, files: Option<&[(String, Vec<u8>)]>, what: &str) -> Result<Loaded, Failure> {
    let arg = files.map_or(Value::Unit, files_arg);
    let out = ctx.call("load_frames", vec![arg]).map_err(|failure| panicked_is_wrong(ctx, failure, what))?;
    match out.as_slice() {
        [tag, data, dims, dt] if outputs::text(tag, "the result tag")? == "ok" => Ok(Loaded::Ok {
            data: outputs::tensor(data, "the frames")?,
            dims: match dims {
                Value::List(items) => items.iter().map(|d| outputs::text(d, "a dimension name")).collect::<Result<_, _>>()?,
                other => return Err(Failure::Grader(format!("the runner sent {} for the dimension names", other.type_name()))),
            },
            time_step: outputs::float(dt, "the time step")?,
        }),
        [_, variant, message, Value::List(details)] => Ok(Loaded::Err {
            variant: outputs::text(variant, "the error variant")?,
            message: outputs::text(message, "the error message")?,
            details: details.clone(),
        }),
        _ => Err(Failure::Grader("the runner sent a malformed result of load_frames".into())),
    }
}

/// A panic on a bad store is a wrong answer: a loader must return an error.
fn panicked_is_wrong(ctx: &Ctx, failure: Failure, what: &str) -> Failure {
    match failure {
        Failure::Call { call, error: error @ gradwork::submission::CallError::Panicked { .. } } => {
            let (_, panicked) = gradwork::suite::describe(&Failure::Call { call, error }, ctx.spec(), ctx.limit_s());
            // The check's hint follows the whole message once; keep it out of the quoted part.
            let panicked = panicked.split("\n\n**Hint:**").next().unwrap_or_default().to_string();
            Failure::wrong(format!(
                "`load_frames` of {what} panicked. A loader must return a `LoadError` for a bad store, never panic: map \
                 every `Result` of zarrs to an error, and check before you index.\n\n{panicked}"
            ))
        }
        other => other,
    }
}

/// How a store is described in messages.
fn describe(spec: &Spec) -> String {
    let dtype = match spec.values {
        Values::F32(_) => "float32",
        Values::F64(_) => "float64",
        Values::I32(_) => "int32",
    };
    format!("a {dtype} store of shape {:?} in chunks of {:?}", spec.shape, spec.chunks)
}

fn expected(spec: &Spec) -> Result<Tensor, Failure> {
    let shape: Vec<i64> = spec.shape.iter().map(|&d| d as i64).collect();
    match &spec.values {
        Values::F32(v) => Ok(Tensor::from_slice(v).view(shape.as_slice())),
        _ => Err(Failure::Grader("expected frames of a store that is not float32".into())),
    }
}

/// Loads the store of `spec` and compares everything with what was written.
fn expect_frames(ctx: &mut Ctx, spec: &Spec, what: &str) -> Result<(), Failure> {
    let files = store::files_of(spec).map_err(Failure::Grader)?;
    expect_files(ctx, spec, &files, what)
}

/// Loads `files`, the store of `spec`, and compares everything with what was written.
fn expect_files(ctx: &mut Ctx, spec: &Spec, files: &[(String, Vec<u8>)], what: &str) -> Result<(), Failure> {
    let want = expected(spec)?;
    match call_load(ctx, Some(files), what)? {
        Loaded::Ok { data, dims, time_step } => {
            ctx.compare(&format!("The frames `load_frames` read from {what}"), &want, &data)?;
            if dims != spec.dims {
                return Err(Failure::wrong(format!(
                    "`load_frames` of {what} returned the dimension names {dims:?}; the store's metadata says {:?}. Read them \
                     from `array.dimension_names()`, not from a list of your own.",
                    spec.dims
                )));
            }
            let dt = spec.time_step.unwrap_or(f64::NAN);
            if time_step != dt {
                return Err(Failure::wrong(format!(
                    "`load_frames` of {what} returned the time step {time_step}; the store's `time_step` attribute is {dt}. \
                     Read it from `array.attributes()`."
                )));
            }
            Ok(())
        }
        other => Err(Failure::wrong(format!("`load_frames` of {what} should succeed, but returned {}.", other.describe()))),
    }
}

pub fn shipped(ctx: &mut Ctx) -> Result<(), Failure> {
    let spec = store::shipped_spec();
    expect_files(ctx, &spec, &crate::shipped::files(), "the shipped store `data/slime.zarr` (100 frames of 64×64 in chunks of (10, 32, 32))")
}

/// Names a fresh store's dimensions might have: never the shipped store's, so names copied from it show.
const DIM_NAMES: [[&str; 3]; 3] = [["t", "row", "col"], ["frame", "lat", "lon"], ["step", "i", "j"]];

/// A fresh float32 store: random shape (height ≠ width) and values, chunks
/// that do not divide the shape, and one chunk of zeros that zarrs does not write.
fn fresh(rng: &mut impl Rng) -> Spec {
    let t = rng.random_range(4..9u64);
    let h = rng.random_range(5..13u64);
    let w = h + rng.random_range(1..5u64);
    let shape = vec![t, h, w];
    let chunks: Vec<u64> = shape.iter().map(|&n| loop {
        let c = rng.random_range(2..n);
        if n % c != 0 {
            break c;
        }
    }).collect();
    let mut values: Vec<f32> = (0..t * h * w).map(|_| rng.random_range(0.0..10.0f32)).collect();
    // The first chunk all zeros (the fill value): zarrs leaves it out of the store.
    for i in 0..chunks[0] {
        for j in 0..chunks[1] {
            for k in 0..chunks[2] {
                values[((i * h + j) * w + k) as usize] = 0.0;
            }
        }
    }
    let dims = DIM_NAMES[rng.random_range(0..DIM_NAMES.len())].map(String::from).to_vec();
    Spec { shape, chunks, values: Values::F32(values), dims, time_step: Some(0.25 * rng.random_range(1..12) as f64), gzip_level: 1 }
}

pub fn chunkings(ctx: &mut Ctx) -> Result<(), Failure> {
    for _ in 0..3 {
        let spec = fresh(ctx.rng());
        let what = format!("{} (edge chunks are cut by the array's end; chunk [0, 0, 0] is all zeros and has no file)", describe(&spec));
        expect_frames(ctx, &spec, &what)?;
    }
    Ok(())
}

pub fn odd_chunks(ctx: &mut Ctx) -> Result<(), Failure> {
    let base = fresh(ctx.rng());
    let (t, h, w) = (base.shape[0], base.shape[1], base.shape[2]);
    for chunks in [vec![t + 3, h + 5, w + 1], vec![1, h, w], vec![t, 1, w]] {
        let spec = Spec { chunks, ..base.clone() };
        expect_frames(ctx, &spec, &describe(&spec))?;
    }
    Ok(())
}

/// Expects `Err(LoadError::<variant>)`, with `details` when given.
fn expect_error(ctx: &mut Ctx, files: Option<&[(String, Vec<u8>)]>, what: &str, variant: &str, details: Option<Vec<Value>>, why: &str) -> Result<(), Failure> {
    let loaded = call_load(ctx, files, what)?;
    match &loaded {
        Loaded::Err { variant: v, details: got, .. } if v == variant => match &details {
            Some(want) if !details_match(want, got) => Err(Failure::wrong(format!(
                "`load_frames` of {what} returned `LoadError::{variant}` as it should, but with {}; expected {}. {why}",
                show(got),
                show(want)
            ))),
            _ => Ok(()),
        },
        other => Err(Failure::wrong(format!(
            "`load_frames` of {what} should return `Err(LoadError::{variant} {{ .. }})`, but returned {}. {why}",
            other.describe()
        ))),
    }
}

/// A dtype name matches when the student's text contains the expected one.
fn details_match(want: &[Value], got: &[Value]) -> bool {
    want.len() == got.len()
        && want.iter().zip(got).all(|(w, g)| match (w, g) {
            (Value::Str(w), Value::Str(g)) => g.to_lowercase().contains(w.as_str()),
            _ => w == g,
        })
}

fn show(details: &[Value]) -> String {
    let parts: Vec<String> = details
        .iter()
        .map(|v| match v {
            Value::Str(s) => format!("{s:?}"),
            Value::I64(i) => i.to_string(),
            other => other.type_name().to_string(),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

pub fn errors(ctx: &mut Ctx) -> Result<(), Failure> {
    let good = fresh(ctx.rng());
    let n = good.shape.iter().product::<u64>() as usize;
    let floats = || -> Vec<f32> { (0..n).map(|i| (i % 7) as f32).collect() };
    expect_error(ctx, None, "a path where nothing exists", "NotFound", None, "Check that the path holds a `zarr.json` before opening it.")?;
    let broken = vec![("zarr.json".to_string(), b"{\"zarr_format\": 3, \"node_type\": \"array\", \"shape\": [4,".to_vec())];
    expect_error(ctx, Some(&broken), "a store whose zarr.json is cut short (not valid JSON)", "Metadata", None, "Map the error of `Array::open` to `LoadError::Metadata`.")?;
    let cases: Vec<(Spec, &str, Vec<Value>, &str)> = vec![
        (
            Spec { shape: vec![good.shape[1], good.shape[2]], chunks: vec![good.chunks[1], good.chunks[2]], values: Values::F32(floats()[..(good.shape[1] * good.shape[2]) as usize].to_vec()), dims: vec!["y".into(), "x".into()], ..good.clone() },
            "WrongRank",
            vec![2i64.into()],
            "Check `array.shape().len()` before reading.",
        ),
        (
            Spec { shape: vec![2, 3, 4, 5], chunks: vec![1, 2, 2, 5], values: Values::F32(vec![1.0; 120]), dims: ["time", "z", "y", "x"].map(String::from).to_vec(), ..good.clone() },
            "WrongRank",
            vec![4i64.into()],
            "Check `array.shape().len()` before reading.",
        ),
        (Spec { values: Values::F64((0..n).map(|i| i as f64).collect()), ..good.clone() }, "WrongDtype", vec!["float64".into()], "Compare `array.data_type()` with `data_type::float32()`, and put its name in `found`."),
        (Spec { values: Values::I32((0..n).map(|i| i as i32).collect()), ..good.clone() }, "WrongDtype", vec!["int32".into()], "Compare `array.data_type()` with `data_type::float32()`, and put its name in `found`."),
        (Spec { time_step: None, ..good.clone() }, "MissingAttribute", vec!["time_step".into()], "Return this error when `array.attributes()` has no number `time_step`."),
        (Spec { dims: vec![], ..good.clone() }, "MissingAttribute", vec!["dimension_names".into()], "Return this error when `array.dimension_names()` is `None` (or a name is missing)."),
    ];
    for (spec, variant, details, why) in cases {
        let what = match (&spec.time_step, spec.dims.is_empty()) {
            (None, _) => format!("{} without a `time_step` attribute", describe(&spec)),
            (_, true) => format!("{} without dimension names", describe(&spec)),
            _ => describe(&spec),
        };
        let files = store::files_of(&spec).map_err(Failure::Grader)?;
        expect_error(ctx, Some(&files), &what, variant, Some(details), why)?;
    }
    Ok(())
}

pub fn corrupt_chunk(ctx: &mut Ctx) -> Result<(), Failure> {
    let spec = fresh(ctx.rng());
    let files = store::files_of(&spec).map_err(Failure::Grader)?;
    let chunks: Vec<usize> = (0..files.len()).filter(|&i| files[i].0.starts_with("c/")).collect();
    for damage in ["garbage", "truncated"] {
        let pick = chunks[ctx.rng().random_range(0..chunks.len())];
        let mut broken = files.clone();
        let name = broken[pick].0.clone();
        let indices: Vec<Value> = name.trim_start_matches("c/").split('/').map(|p| Value::I64(p.parse().unwrap_or(-1))).collect();
        let bytes = &mut broken[pick].1;
        let what = if damage == "garbage" {
            *bytes = b"these bytes are not gzip data".to_vec();
            format!("{} whose chunk file `{name}` holds text instead of gzip data", describe(&spec))
        } else {
            let half = bytes.len() / 2;
            bytes.truncate(half);
            format!("{} whose chunk file `{name}` is cut in half", describe(&spec))
        };
        expect_error(ctx, Some(&broken), &what, "CorruptChunk", Some(indices), "Name the chunk that failed: its indices in the chunk grid, as in its file name `c/t/r/c`.")?;
    }
    Ok(())
}
