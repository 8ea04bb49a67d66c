//! Resumable runs: a submission is re-graded only when its content, the
//! grader or the options changed. The key hashes all three; the grader is
//! identified by its own executable's bytes, so an edited check counts as a
//! new grader even when its version number stayed the same.

use super::collect::Entry;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// What identifies the grader and the options of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of this grader process (its executable) with `options`
    /// (anything that changes results: seed, device, checks, limits).
    pub fn new(grader_version: &str, options: &str) -> Fingerprint {
        let mut h = Sha256::new();
        h.update(b"gradwork resume v1\0");
        h.update(crate::VERSION.as_bytes());
        h.update(b"\0");
        h.update(grader_version.as_bytes());
        h.update(b"\0");
        h.update(options.as_bytes());
        h.update(b"\0");
        match std::env::current_exe().and_then(|exe| hash_file(&exe, &mut h)) {
            Ok(()) => {}
            // Without its own bytes, nothing can be trusted to be unchanged.
            Err(_) => h.update(format!("{:?}", std::time::SystemTime::now()).as_bytes()),
        }
        Fingerprint(hex(&h.finalize()))
    }

    /// The resume key of a submission whose content hashes to `content`.
    pub fn key(&self, content: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.0.as_bytes());
        h.update(b"\0");
        h.update(content.as_bytes());
        hex(&h.finalize())
    }
}

/// A hash of a submission's content: an archive's bytes, or a folder's files
/// (relative paths and contents, in name order; `target/` and `.git/` left out).
pub fn content_hash(entry: &Entry) -> std::io::Result<String> {
    let mut h = Sha256::new();
    if entry.archive.is_some() {
        hash_file(&entry.path, &mut h)?;
    } else {
        let files = crate::workspace::list_files(&entry.path).map_err(|e| std::io::Error::other(e.to_string()))?;
        for rel in files {
            h.update(rel.as_bytes());
            h.update(b"\0");
            hash_file(&entry.path.join(&rel), &mut h)?;
            h.update(b"\0");
        }
    }
    Ok(hex(&h.finalize()))
}

fn hash_file(path: &Path, h: &mut Sha256) -> std::io::Result<()> {
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        h.update(&buf[..n]);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_hash_changes_with_any_file_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "fn a() {}").unwrap();
        let entry = Entry { name: "x".into(), path: dir.path().to_path_buf(), archive: None };
        let first = content_hash(&entry).unwrap();
        assert_eq!(first, content_hash(&entry).unwrap());
        std::fs::create_dir_all(dir.path().join("target")).unwrap();
        std::fs::write(dir.path().join("target/junk"), "build output").unwrap();
        assert_eq!(first, content_hash(&entry).unwrap(), "target/ is not content");
        std::fs::write(dir.path().join("src/lib.rs"), "fn b() {}").unwrap();
        assert_ne!(first, content_hash(&entry).unwrap());
    }

    #[test]
    fn keys_depend_on_options_and_content() {
        let a = Fingerprint::new("0.1.0", "seed 1");
        let b = Fingerprint::new("0.1.0", "seed 2");
        assert_eq!(a, Fingerprint::new("0.1.0", "seed 1"));
        assert_ne!(a.key("c"), b.key("c"));
        assert_ne!(a.key("c"), a.key("d"));
    }
}
