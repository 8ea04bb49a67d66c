//! Zarr v3 stores written with `zarrs`: the shipped slime-mould store and the
//! fresh ones of the hidden and visible checks (other shapes, chunkings that
//! do not divide the shape, other dtypes, a corrupted chunk). A store
//! crosses to the runner as its files, `(path inside the store, bytes)`.

use std::path::Path;
use std::sync::Arc;
use zarrs::array::codec::GzipCodec;
use zarrs::array::{data_type, ArrayBuilder, ArrayMetadataOptions};
use zarrs::filesystem::FilesystemStore;

/// The values of a store, in one of the dtypes the checks use.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// `float32`, the frames' dtype.
    F32(Vec<f32>),
    /// `float64`: a store a float32 reader must refuse.
    F64(Vec<f64>),
    /// `int32`: likewise.
    I32(Vec<i32>),
}

/// Everything a store is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// The array's shape.
    pub shape: Vec<u64>,
    /// The regular chunk shape (need not divide the shape).
    pub chunks: Vec<u64>,
    /// Row-major values, `shape.iter().product()` of them.
    pub values: Values,
    /// Dimension names, one per dimension (none in the metadata when empty).
    pub dims: Vec<String>,
    /// The `time_step` attribute, if any.
    pub time_step: Option<f64>,
    /// gzip level of the chunks.
    pub gzip_level: u32,
}

/// The shipped store's directory name inside `assignments/a07-spatiotemporal/data/`.
pub const SHIPPED_NAME: &str = "slime.zarr";
/// The shipped store's chunk shape: 10 frames of a quarter of the grid.
pub const SHIPPED_CHUNKS: [u64; 3] = [10, 32, 32];
/// The shipped store's time between frames, in simulation steps.
pub const SHIPPED_TIME_STEP: f64 = 2.0;

/// The shipped store's frames, simulated once per process.
pub fn shipped_values() -> &'static [f32] {
    static VALUES: std::sync::OnceLock<Vec<f32>> = std::sync::OnceLock::new();
    VALUES.get_or_init(|| crate::sim::simulate(&crate::sim::SHIPPED))
}

/// The shipped store's frames as a (100, 64, 64) f32 tensor.
pub fn shipped_frames() -> tch::Tensor {
    let p = crate::sim::SHIPPED;
    tch::Tensor::from_slice(shipped_values()).view([p.frames as i64, p.height as i64, p.width as i64])
}

/// The spec of the shipped store, from the simulation's frames.
pub fn shipped_spec() -> Spec {
    let p = crate::sim::SHIPPED;
    Spec {
        shape: vec![p.frames as u64, p.height as u64, p.width as u64],
        chunks: SHIPPED_CHUNKS.to_vec(),
        values: Values::F32(shipped_values().to_vec()),
        dims: ["time", "y", "x"].map(String::from).to_vec(),
        time_step: Some(SHIPPED_TIME_STEP),
        gzip_level: 6,
    }
}

/// Writes the store of `spec` into the directory `dir` (created if needed).
pub fn write(dir: &Path, spec: &Spec) -> Result<(), String> {
    // One thread: stores are small, and a grader shares its machine.
    zarrs::config::global_config_mut().set_codec_concurrent_target(1);
    let fail = |what: &str, e: &dyn std::fmt::Display| format!("cannot {what} the Zarr store {}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| fail("create", &e))?;
    let store = Arc::new(FilesystemStore::new(dir).map_err(|e| fail("open", &e))?);
    let dtype = match &spec.values {
        Values::F32(_) => data_type::float32(),
        Values::F64(_) => data_type::float64(),
        Values::I32(_) => data_type::int32(),
    };
    let fill: zarrs::array::FillValue = match &spec.values {
        Values::F32(_) => 0f32.into(),
        Values::F64(_) => 0f64.into(),
        Values::I32(_) => 0i32.into(),
    };
    let mut builder = ArrayBuilder::new(spec.shape.clone(), spec.chunks.clone(), dtype, fill);
    let gzip = GzipCodec::new(spec.gzip_level).map_err(|e| fail("configure gzip for", &e))?;
    builder.bytes_to_bytes_codecs(vec![Arc::new(gzip)]);
    if !spec.dims.is_empty() {
        builder.dimension_names(Some(spec.dims.iter().map(String::as_str)));
    }
    let mut attributes = serde_json::Map::new();
    if let Some(dt) = spec.time_step {
        attributes.insert("time_step".into(), serde_json::json!(dt));
    }
    attributes.insert("description".into(), serde_json::json!("trail density of simulated slime-mould agents"));
    builder.attributes(attributes);
    let array = builder.build(store, "/").map_err(|e| fail("build", &e))?;
    // Without zarrs's own version in the metadata, so the files do not change with it.
    let options = ArrayMetadataOptions::default().with_include_zarrs_metadata(false);
    array.store_metadata_opt(&options).map_err(|e| fail("write the metadata of", &e))?;
    let all: Vec<std::ops::Range<u64>> = spec.shape.iter().map(|&n| 0..n).collect();
    let stored = match &spec.values {
        Values::F32(v) => array.store_array_subset(&all.as_slice(), v.clone()),
        Values::F64(v) => array.store_array_subset(&all.as_slice(), v.clone()),
        Values::I32(v) => array.store_array_subset(&all.as_slice(), v.clone()),
    };
    stored.map_err(|e| fail("write the chunks of", &e))
}

/// Every file below `dir`, as (path relative to `dir` with `/` separators, bytes), sorted by path.
pub fn files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| format!("cannot list {}: {e}", d.display()))?;
        for entry in entries {
            let path = entry.map_err(|e| format!("cannot list {}: {e}", d.display()))?.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let name = path.strip_prefix(dir).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                found.push((name, bytes));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The files of the store of `spec`, written in a temporary directory.
pub fn files_of(spec: &Spec) -> Result<Vec<(String, Vec<u8>)>, String> {
    let tmp = gradwork::scratch::tempdir("a07-store").map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let dir = tmp.path().join("store.zarr");
    write(&dir, spec)?;
    files(&dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_store_is_what_the_generator_writes_byte_for_byte() {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assignments/a07-spatiotemporal/data").join(SHIPPED_NAME);
        let on_disk = files(&shipped).expect("the shipped store is readable");
        let compiled = crate::shipped::files();
        assert!(on_disk == compiled, "the grader's compiled-in copy is out of date: rebuild it");
        let made = files_of(&shipped_spec()).expect("the generator writes a store");
        let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&on_disk), names(&made), "run `cargo run -p a07-spatiotemporal-grader --bin make-a07-data`");
        for ((name, a), (_, b)) in on_disk.iter().zip(&made) {
            assert!(a == b, "{name} differs from what the generator writes: run the make-a07-data binary");
        }
    }

    #[test]
    fn edge_chunks_and_unwritten_chunks_read_back() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut values: Vec<f32> = (0..5 * 7 * 9).map(|i| i as f32).collect();
        for (t, r, c) in (0..2).flat_map(|t| (0..3).flat_map(move |r| (0..4).map(move |c| (t, r, c)))) {
            values[(t * 7 + r) * 9 + c] = 0.0;
        }
        let spec = Spec { shape: vec![5, 7, 9], chunks: vec![2, 3, 4], values: Values::F32(values), dims: vec!["t".into(), "y".into(), "x".into()], time_step: Some(0.5), gzip_level: 1 };
        write(&tmp.path().join("s.zarr"), &spec).expect("written");
        let names: Vec<String> = files(&tmp.path().join("s.zarr")).expect("listed").into_iter().map(|(n, _)| n).collect();
        assert!(names.contains(&"zarr.json".to_string()) && names.contains(&"c/2/2/2".to_string()));
        assert_eq!(names.len(), 1 + 3 * 3 * 3 - 1, "every chunk but the all-zero one is written: {names:?}");
        assert!(!names.contains(&"c/0/0/0".to_string()));
    }
}
