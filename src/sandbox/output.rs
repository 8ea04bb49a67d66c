//! Capturing what an untrusted process prints without trusting its volume: the
//! first and the last bytes are kept, the middle is counted and dropped, and
//! the pipe is always drained so the process never blocks on it.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// The first and last bytes of a stream, and how many in between were dropped.
#[derive(Debug, Clone, Default)]
pub struct CappedOutput {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    dropped: u64,
    half: usize,
}

impl CappedOutput {
    /// Keeps at most `cap` bytes: the first `cap / 2` and the last `cap / 2`.
    pub fn new(cap: usize) -> CappedOutput {
        CappedOutput { half: cap / 2, ..CappedOutput::default() }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, mut bytes: &[u8]) {
        let room = self.half.saturating_sub(self.head.len()).min(bytes.len());
        self.head.extend_from_slice(&bytes[..room]);
        bytes = &bytes[room..];
        if bytes.len() >= self.half {
            self.dropped += (self.tail.len() + bytes.len() - self.half) as u64;
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - self.half..]);
            return;
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.half);
        self.tail.drain(..overflow);
        self.dropped += overflow as u64;
        self.tail.extend(bytes);
    }

    /// Bytes seen in all.
    pub fn total(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64 + self.dropped
    }

    /// Bytes dropped.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The end of the output as text, at most about `max` bytes, saying how
    /// much was left out.
    pub fn tail_text(&self, max: usize) -> String {
        let mut kept = self.head.clone();
        let (front, back) = self.tail.as_slices();
        let cut_at = kept.len();
        kept.extend_from_slice(front);
        kept.extend_from_slice(back);
        let start = kept.len().saturating_sub(max);
        let text = String::from_utf8_lossy(&kept[start..]).into_owned();
        let text = if start > 0 { format!("…{}", text.trim_start_matches('\u{FFFD}')) } else { text };
        if self.dropped == 0 {
            return text;
        }
        if start >= cut_at {
            format!("[{} bytes of output were dropped; the last ones follow]\n{text}", self.dropped + start as u64)
        } else {
            let (a, b) = kept.split_at(cut_at);
            format!(
                "{}\n[… {} bytes of output were dropped here …]\n{}",
                String::from_utf8_lossy(&a[start..]),
                self.dropped,
                String::from_utf8_lossy(b)
            )
        }
    }
}

/// Drains `pipe` on a thread of its own into a [`CappedOutput`] of `cap` bytes.
pub fn capture(pipe: impl Read + Send + 'static, cap: usize) -> Arc<Mutex<CappedOutput>> {
    let out = Arc::new(Mutex::new(CappedOutput::new(cap)));
    let sink = Arc::clone(&out);
    std::thread::spawn(move || {
        let mut pipe = pipe;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => match sink.lock() {
                    Ok(mut o) => o.push(&buf[..n]),
                    Err(_) => break,
                },
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::CappedOutput;

    #[test]
    fn keeps_the_head_and_the_tail_of_a_flood() {
        let mut o = CappedOutput::new(8);
        o.push(b"abcdef");
        for _ in 0..1000 {
            o.push(b"xxxxxxxxxx");
        }
        o.push(b"WXYZ");
        assert_eq!(o.total(), 6 + 10_000 + 4);
        assert_eq!(o.dropped(), 10_006 - 4);
        let text = o.tail_text(100);
        assert_eq!(text, "abcd\n[… 10002 bytes of output were dropped here …]\nWXYZ");
    }

    #[test]
    fn short_output_is_kept_whole() {
        let mut o = CappedOutput::new(100);
        o.push(b"hello ");
        o.push(b"world");
        assert_eq!(o.tail_text(100), "hello world");
        assert_eq!(o.tail_text(5), "…world");
    }
}
