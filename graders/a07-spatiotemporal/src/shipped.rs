//! The shipped store's files (`assignments/a07-spatiotemporal/data/slime.zarr`),
//! compiled into the grader: the loader's check sends them as they are,
//! without writing (and gzip-compressing) 1.6 MB again for every grading.
//! The store's byte-for-byte test (in `store`) checks that they are what
//! the generator writes.

macro_rules! file {
    ($name:expr) => {
        ($name, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assignments/a07-spatiotemporal/data/slime.zarr/", $name)) as &[u8])
    };
}

macro_rules! frames_of_chunks {
    ($($t:literal)*) => {
        [$(
            file!(concat!("c/", $t, "/0/0")),
            file!(concat!("c/", $t, "/0/1")),
            file!(concat!("c/", $t, "/1/0")),
            file!(concat!("c/", $t, "/1/1")),
        )* file!("zarr.json")]
    };
}

/// Every file of the store: (path inside the store, bytes), sorted by path.
pub const FILES: [(&str, &[u8]); 41] = frames_of_chunks!("0" "1" "2" "3" "4" "5" "6" "7" "8" "9");

/// The files as owned pairs, as the loader checks send them.
pub fn files() -> Vec<(String, Vec<u8>)> {
    FILES.iter().map(|(name, bytes)| (name.to_string(), bytes.to_vec())).collect()
}
