//! A small TensorBoard event-file writer for scalars (given: you only call it).
//!
//! TensorBoard reads files whose name contains `tfevents`. Each file is a
//! sequence of records; each record is
//!
//! ```text
//! length: u64 little-endian | masked CRC-32C of the 8 length bytes: u32 LE
//! data: `length` bytes      | masked CRC-32C of the data: u32 LE
//! ```
//!
//! where the data is one `Event` protocol buffer (TensorFlow's
//! `event.proto`): `wall_time` (field 1, double), `step` (field 2, int64) and
//! either `file_version` (field 3, string; the first event says
//! `brain.Event:2`) or a `Summary` (field 5) holding one `Value` with a `tag`
//! (field 1, string) and a `simple_value` (field 2, float). The few bytes of
//! protocol buffer needed here are written by hand.
//!
//! ```no_run
//! use a06_mnist::tensorboard::EventWriter;
//! let mut writer = EventWriter::create("runs/mnist_mlp").expect("create the log directory");
//! writer.add_scalar("Loss/train", 2.31, 0).expect("write");
//! writer.flush().expect("flush");
//! // then: tensorboard --logdir runs
//! ```

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Writes scalar summaries into a new event file in a log directory.
#[derive(Debug)]
pub struct EventWriter {
    out: BufWriter<File>,
    path: PathBuf,
}

/// Tells apart writers created in the same second by one process.
static CREATED: AtomicU64 = AtomicU64::new(0);

impl EventWriter {
    /// Creates `dir` (and its parents) if needed and a new event file in it,
    /// named `events.out.tfevents.<seconds>.gradwork.<pid>.<n>`.
    pub fn create(dir: impl AsRef<Path>) -> io::Result<EventWriter> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir)?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let n = CREATED.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("events.out.tfevents.{now}.gradwork.{}.{n}", std::process::id()));
        let mut writer = EventWriter { out: BufWriter::new(File::create(&path)?), path };
        let mut event = Vec::new();
        put_double(&mut event, 1, wall_time());
        put_bytes(&mut event, 3, b"brain.Event:2");
        writer.record(&event)?;
        Ok(writer)
    }

    /// The event file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Logs `value` under `tag` (e.g. `Loss/train`) at `step`. TensorBoard
    /// stores scalars as f32.
    pub fn add_scalar(&mut self, tag: &str, value: f64, step: i64) -> io::Result<()> {
        let mut summary_value = Vec::new();
        put_bytes(&mut summary_value, 1, tag.as_bytes());
        put_float(&mut summary_value, 2, value as f32);
        let mut summary = Vec::new();
        put_bytes(&mut summary, 1, &summary_value);
        let mut event = Vec::new();
        put_double(&mut event, 1, wall_time());
        put_varint_field(&mut event, 2, step as u64);
        put_bytes(&mut event, 5, &summary);
        self.record(&event)
    }

    /// Writes everything buffered to the file.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn record(&mut self, data: &[u8]) -> io::Result<()> {
        let length = (data.len() as u64).to_le_bytes();
        self.out.write_all(&length)?;
        self.out.write_all(&masked_crc32c(&length).to_le_bytes())?;
        self.out.write_all(data)?;
        self.out.write_all(&masked_crc32c(data).to_le_bytes())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let _ = self.out.flush();
    }
}

fn wall_time() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Field `field` with wire type `wire` (0 varint, 1 fixed64, 2 bytes, 5 fixed32).
fn put_key(out: &mut Vec<u8>, field: u64, wire: u64) {
    put_varint(out, field << 3 | wire);
}

fn put_varint_field(out: &mut Vec<u8>, field: u64, v: u64) {
    put_key(out, field, 0);
    put_varint(out, v);
}

fn put_double(out: &mut Vec<u8>, field: u64, v: f64) {
    put_key(out, field, 1);
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_float(out: &mut Vec<u8>, field: u64, v: f32) {
    put_key(out, field, 5);
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, field: u64, bytes: &[u8]) {
    put_key(out, field, 2);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// CRC-32C (Castagnoli), bit by bit: the files are small.
fn crc32c(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

/// TensorFlow's masked CRC: rotated and offset, so that a CRC of data that
/// itself holds CRCs stays well-behaved.
fn masked_crc32c(data: &[u8]) -> u32 {
    let crc = crc32c(data);
    (crc.rotate_right(15)).wrapping_add(0xa282_ead8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32c_matches_the_standard_check_value() {
        assert_eq!(crc32c(b"123456789"), 0xE306_9283);
    }
}
