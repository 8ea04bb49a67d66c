//! Reading TensorBoard event files (trusted code reading untrusted bytes:
//! every length is checked, nothing panics). Format: records of
//! `u64 length | u32 masked CRC-32C of the length | data | u32 masked CRC-32C
//! of the data`, each data an `Event` protocol buffer; scalars are
//! `Event.summary.value[i].{tag, simple_value}` at `Event.step`.

/// One logged scalar.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The tag, e.g. `Loss/train`.
    pub tag: String,
    /// The step.
    pub step: i64,
    /// The value (TensorBoard stores f32).
    pub value: f32,
}

/// Why an event file could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum EventError {
    /// The file ends inside a record.
    Truncated { record: usize, offset: usize },
    /// A CRC does not match.
    BadCrc { record: usize, what: &'static str },
    /// A record's data is not a valid `Event`.
    BadEvent { record: usize, why: String },
}

impl std::fmt::Display for EventError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventError::Truncated { record, offset } => write!(f, "record {record} is cut off at byte {offset}"),
            EventError::BadCrc { record, what } => write!(f, "the CRC of record {record}'s {what} does not match"),
            EventError::BadEvent { record, why } => write!(f, "record {record} is not a valid Event: {why}"),
        }
    }
}

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

fn masked(data: &[u8]) -> u32 {
    crc32c(data).rotate_right(15).wrapping_add(0xa282_ead8)
}

/// Every scalar of an event file, in file order.
pub fn scalars(bytes: &[u8]) -> Result<Vec<Scalar>, EventError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let mut record = 0usize;
    while at < bytes.len() {
        let truncated = EventError::Truncated { record, offset: bytes.len() };
        let header = bytes.get(at..at + 12).ok_or(truncated.clone())?;
        let len_bytes = &header[..8];
        if u32::from_le_bytes([header[8], header[9], header[10], header[11]]) != masked(len_bytes) {
            return Err(EventError::BadCrc { record, what: "length" });
        }
        let len = u64::from_le_bytes(len_bytes.try_into().unwrap_or([0; 8]));
        let len = usize::try_from(len).map_err(|_| truncated.clone())?;
        let end = at.checked_add(12).and_then(|s| s.checked_add(len)).ok_or(truncated.clone())?;
        let data = bytes.get(at + 12..end).ok_or(truncated.clone())?;
        let crc = bytes.get(end..end + 4).ok_or(truncated)?;
        if u32::from_le_bytes([crc[0], crc[1], crc[2], crc[3]]) != masked(data) {
            return Err(EventError::BadCrc { record, what: "data" });
        }
        event(data, &mut out).map_err(|why| EventError::BadEvent { record, why })?;
        at = end + 4;
        record += 1;
    }
    Ok(out)
}

/// A protocol-buffer field: number and value.
enum Field<'a> {
    Varint(u64),
    /// Skipped: `Event.wall_time` is not checked.
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32([u8; 4]),
}

fn varint(data: &[u8], at: &mut usize) -> Result<u64, String> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*at).ok_or("a varint runs past the end")?;
        *at += 1;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("a varint is too long".into())
}

fn fields(data: &[u8]) -> Result<Vec<(u64, Field<'_>)>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < data.len() {
        let key = varint(data, &mut at)?;
        let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
            let s = data.get(*at..*at + n).ok_or("a field runs past the end")?;
            *at += n;
            Ok(s)
        };
        let field = match key & 7 {
            0 => Field::Varint(varint(data, &mut at)?),
            1 => {
                take(&mut at, 8)?;
                Field::Fixed64
            }
            2 => {
                let n = usize::try_from(varint(data, &mut at)?).map_err(|_| "a length is too large")?;
                Field::Bytes(take(&mut at, n)?)
            }
            5 => Field::Fixed32(take(&mut at, 4)?.try_into().map_err(|_| "bad fixed32")?),
            w => return Err(format!("wire type {w} is not supported")),
        };
        out.push((key >> 3, field));
    }
    Ok(out)
}

fn event(data: &[u8], out: &mut Vec<Scalar>) -> Result<(), String> {
    let mut step = 0i64;
    let mut summaries = Vec::new();
    for (number, field) in fields(data)? {
        match (number, field) {
            (2, Field::Varint(v)) => step = v as i64,
            (5, Field::Bytes(b)) => summaries.push(b),
            _ => {}
        }
    }
    for summary in summaries {
        for (number, field) in fields(summary)? {
            let (1, Field::Bytes(value)) = (number, field) else { continue };
            let (mut tag, mut simple) = (None, None);
            for (n, f) in fields(value)? {
                match (n, f) {
                    (1, Field::Bytes(t)) => tag = Some(String::from_utf8_lossy(t).into_owned()),
                    (2, Field::Fixed32(v)) => simple = Some(f32::from_le_bytes(v)),
                    _ => {}
                }
            }
            if let (Some(tag), Some(value)) = (tag, simple) {
                out.push(Scalar { tag, step, value });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One record holding `data`.
    fn record(data: &[u8]) -> Vec<u8> {
        let len = (data.len() as u64).to_le_bytes();
        let mut out = len.to_vec();
        out.extend(masked(&len).to_le_bytes());
        out.extend(data);
        out.extend(masked(data).to_le_bytes());
        out
    }

    #[test]
    fn reads_a_scalar_event_and_rejects_a_damaged_one() {
        // Event { step: 3, summary { value { tag: "a", simple_value: 1.5 } } }
        let value = [0x0a, 0x01, b'a', 0x15, 0x00, 0x00, 0xc0, 0x3f];
        let mut summary = vec![0x0a, value.len() as u8];
        summary.extend(value);
        let mut event = vec![0x10, 0x03, 0x2a, summary.len() as u8];
        event.extend(summary);
        let mut file = record(b"\x1a\x0dbrain.Event:2");
        file.extend(record(&event));
        assert_eq!(scalars(&file).unwrap(), vec![Scalar { tag: "a".into(), step: 3, value: 1.5 }]);
        let last = file.len() - 6;
        file[last] ^= 1;
        assert!(matches!(scalars(&file), Err(EventError::BadCrc { record: 1, .. })));
        assert!(matches!(scalars(&file[..file.len() - 2]), Err(EventError::Truncated { .. }) | Err(EventError::BadCrc { .. })));
    }
}
