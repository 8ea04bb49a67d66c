//! Unpacking submissions handed in as `.zip`, `.tar.gz` or `.tgz` archives,
//! trusting nothing in them.
//!
//! Every entry's path is checked before anything is written: no absolute
//! paths, no `..`, no drive letters. Links, devices and other special files
//! are never created (they are listed as skipped), so nothing can point out
//! of the tree. The number of files, each file's size and the total size are
//! capped while reading, whatever the archive's headers claim, so a
//! compression bomb stops at the cap. Files get mode 0644 and directories
//! 0755, whatever the archive says.
//!
//! ```
//! use gradwork::archive::{self, Caps};
//! let dir = tempfile::tempdir().unwrap();
//! let zip = dir.path().join("alice.zip");
//! // An archive with `src/lib.rs` ...
//! # {
//! #     let mut w = zip::ZipWriter::new(std::fs::File::create(&zip).unwrap());
//! #     w.start_file("src/lib.rs", zip::write::SimpleFileOptions::default()).unwrap();
//! #     std::io::Write::write_all(&mut w, b"pub fn f() {}").unwrap();
//! #     w.finish().unwrap();
//! # }
//! let (kind, name) = archive::recognise(&zip).unwrap();
//! assert_eq!(name, "alice");
//! let unpacked = archive::unpack(&zip, kind, &dir.path().join("alice"), &Caps::default()).unwrap();
//! assert!(unpacked.root.join("src/lib.rs").is_file());
//! ```

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The archive formats a submission may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// `.zip` (stored or deflated entries).
    Zip,
    /// `.tar.gz` or `.tgz`.
    TarGz,
}

/// Limits on what an archive may unpack to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Most entries (files and directories).
    pub max_entries: usize,
    /// Largest single file, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes in all files together.
    pub max_total_bytes: u64,
}

impl Default for Caps {
    fn default() -> Caps {
        Caps { max_entries: 2000, max_file_bytes: 8 << 20, max_total_bytes: 64 << 20 }
    }
}

/// Why an archive was not unpacked. Each message is for the student.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Reading the archive or writing its files failed.
    #[error("{what}: {source}")]
    Io {
        /// what was being done
        what: String,
        /// the error
        source: io::Error,
    },
    /// The archive is damaged or not of its kind.
    #[error("the archive cannot be read ({0}); make it again with `zip -r` or `tar czf`")]
    Corrupt(String),
    /// An entry's path would land outside the folder it is unpacked into.
    #[error("the archive holds `{0}`, a path outside the submission folder (absolute, or with `..`); archive your crate folder from inside it")]
    UnsafePath(String),
    /// The same path twice.
    #[error("the archive holds `{0}` twice")]
    Duplicate(String),
    /// Too many entries.
    #[error("the archive holds more than {0} files and folders (did it include `target/`?)")]
    TooManyEntries(usize),
    /// A file or the whole is too large.
    #[error("the archive unpacks to more than {limit} bytes{which} (did it include `target/` or data files?)")]
    TooLarge {
        /// the cap that was hit
        limit: u64,
        /// `in `path`` for a single file, empty for the total
        which: String,
    },
}

/// What unpacking produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpacked {
    /// The submission's root: the folder unpacked into, or the single folder
    /// inside it that holds `src/` (archives made from the parent folder).
    pub root: PathBuf,
    /// Entries that were not created (links, devices, macOS metadata), as
    /// written in the archive.
    pub skipped: Vec<String>,
}

/// The archive kind of `path` and the submission name (the file name without
/// its extension), or `None` when it is not an archive gradwork reads.
pub fn recognise(path: &Path) -> Option<(ArchiveKind, String)> {
    let name = path.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    for (ext, kind) in [(".tar.gz", ArchiveKind::TarGz), (".tgz", ArchiveKind::TarGz), (".zip", ArchiveKind::Zip)] {
        if lower.ends_with(ext) && lower.len() > ext.len() {
            return Some((kind, name[..name.len() - ext.len()].to_string()));
        }
    }
    None
}

/// Unpacks `archive` into the new directory `dest`.
pub fn unpack(archive: &Path, kind: ArchiveKind, dest: &Path, caps: &Caps) -> Result<Unpacked, ArchiveError> {
    fs::create_dir_all(dest).map_err(|source| ArchiveError::Io { what: format!("cannot create {}", dest.display()), source })?;
    let file = fs::File::open(archive).map_err(|source| ArchiveError::Io { what: format!("cannot open {}", archive.display()), source })?;
    let mut writer = Writer { dest, caps, entries: 0, total: 0, skipped: Vec::new() };
    match kind {
        ArchiveKind::Zip => unpack_zip(file, &mut writer)?,
        ArchiveKind::TarGz => unpack_tar(file, &mut writer)?,
    }
    Ok(Unpacked { root: submission_root(dest), skipped: writer.skipped })
}

/// What an entry is.
enum Kind {
    Dir,
    File,
    Other,
}

/// Writes checked entries under `dest`, counting against the caps.
struct Writer<'a> {
    dest: &'a Path,
    caps: &'a Caps,
    entries: usize,
    total: u64,
    skipped: Vec<String>,
}

impl Writer<'_> {
    fn entry(&mut self, raw_name: &str, kind: Kind, contents: &mut dyn Read) -> Result<(), ArchiveError> {
        self.entries += 1;
        if self.entries > self.caps.max_entries {
            return Err(ArchiveError::TooManyEntries(self.caps.max_entries));
        }
        let Some(rel) = safe_relative(raw_name)? else { return Ok(()) };
        if is_metadata(&rel) {
            self.skipped.push(raw_name.to_string());
            return Ok(());
        }
        let path = self.dest.join(&rel);
        let io_err = |source| ArchiveError::Io { what: format!("cannot write `{raw_name}`"), source };
        match kind {
            Kind::Other => self.skipped.push(raw_name.to_string()),
            Kind::Dir => fs::create_dir_all(&path).map_err(io_err)?,
            Kind::File => {
                if let Some(parent) = path.parent() {
                    fs::create_dir_all(parent).map_err(io_err)?;
                }
                let mut out = fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
                    if e.kind() == io::ErrorKind::AlreadyExists {
                        ArchiveError::Duplicate(raw_name.to_string())
                    } else {
                        io_err(e)
                    }
                })?;
                let room = self.caps.max_file_bytes.min(self.caps.max_total_bytes - self.total);
                let copied = io::copy(&mut contents.take(room + 1), &mut out)
                    .map_err(|e| ArchiveError::Corrupt(format!("`{raw_name}`: {e}")))?;
                if copied > room {
                    let (limit, which) = if room == self.caps.max_file_bytes {
                        (self.caps.max_file_bytes, format!(" in `{raw_name}`"))
                    } else {
                        (self.caps.max_total_bytes, String::new())
                    };
                    return Err(ArchiveError::TooLarge { limit, which });
                }
                self.total += copied;
            }
        }
        Ok(())
    }
}

/// The entry's path as relative components, `None` for the archive's own
/// root (`./`), or an error when it would leave the destination.
fn safe_relative(raw: &str) -> Result<Option<PathBuf>, ArchiveError> {
    let unsafe_path = || ArchiveError::UnsafePath(raw.to_string());
    if raw.starts_with('/') || raw.starts_with('\\') || raw.contains('\0') {
        return Err(unsafe_path());
    }
    let mut out = PathBuf::new();
    for part in raw.split(['/', '\\']) {
        match part {
            "" | "." => continue,
            ".." => return Err(unsafe_path()),
            p if p.len() >= 2 && p.as_bytes()[1] == b':' => return Err(unsafe_path()),
            p => out.push(p),
        }
    }
    Ok(if out.as_os_str().is_empty() { None } else { Some(out) })
}

/// macOS's resource forks and folder metadata, never part of a crate.
fn is_metadata(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str() == "__MACOSX") || rel.file_name().is_some_and(|n| n == ".DS_Store")
}

/// The file-type bits of a POSIX mode, and the type of a regular file.
const ZIP_S_IFMT: u32 = 0o170000;
const ZIP_S_IFREG: u32 = 0o100000;

fn unpack_zip(file: fs::File, writer: &mut Writer) -> Result<(), ArchiveError> {
    let mut zip = zip::ZipArchive::new(file).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
    if zip.len() > writer.caps.max_entries {
        return Err(ArchiveError::TooManyEntries(writer.caps.max_entries));
    }
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| ArchiveError::Corrupt(e.to_string()))?;
        let name = entry.name().map_err(|e| ArchiveError::Corrupt(e.to_string()))?.into_owned();
        // Zip stores POSIX mode bits; 0 when the archiver stored none (Windows).
        let file_type = entry.unix_mode().unwrap_or(0) & ZIP_S_IFMT;
        let kind = if entry.is_dir() {
            Kind::Dir
        } else if file_type == 0 || file_type == ZIP_S_IFREG {
            Kind::File
        } else {
            Kind::Other
        };
        writer.entry(&name, kind, &mut entry)?;
    }
    Ok(())
}

fn unpack_tar(file: fs::File, writer: &mut Writer) -> Result<(), ArchiveError> {
    // Bound the decompressed stream too: headers and skipped entries are read through.
    let budget = writer.caps.max_total_bytes.saturating_mul(2).saturating_add(writer.caps.max_entries as u64 * 4096);
    let stream = Bounded { inner: flate2::read::GzDecoder::new(file), left: budget };
    let mut tar = tar::Archive::new(stream);
    let entries = tar.entries().map_err(|e| tar_error(e, writer.caps))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_error(e, writer.caps))?;
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let kind = match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
            tar::EntryType::Directory => Kind::Dir,
            // pax and GNU extension headers are consumed by the iterator itself.
            tar::EntryType::XGlobalHeader => continue,
            _ => Kind::Other,
        };
        writer.entry(&name, kind, &mut entry)?;
    }
    Ok(())
}

fn tar_error(e: io::Error, caps: &Caps) -> ArchiveError {
    if e.get_ref().is_some_and(|inner| inner.to_string() == BOUNDED) {
        ArchiveError::TooLarge { limit: caps.max_total_bytes, which: String::new() }
    } else {
        ArchiveError::Corrupt(e.to_string())
    }
}

const BOUNDED: &str = "decompressed stream over its budget";

/// A reader that fails once it has read its budget.
struct Bounded<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other(BOUNDED));
        }
        let n = (buf.len() as u64).min(self.left) as usize;
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// `dest` when it holds `src/`; else its single folder holding `src/`
/// (an archive made from the crate's parent folder); else `dest`.
fn submission_root(dest: &Path) -> PathBuf {
    if dest.join("src").is_dir() {
        return dest.to_path_buf();
    }
    let dirs: Vec<PathBuf> = fs::read_dir(dest)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    match dirs.as_slice() {
        [only] if only.join("src").is_dir() => only.clone(),
        _ => dest.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(path: &Path, entries: &[(&str, &[u8])]) {
        let mut w = zip::ZipWriter::new(fs::File::create(path).unwrap());
        for (name, bytes) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap();
    }

    fn tar_gz_with(path: &Path, build: impl FnOnce(&mut tar::Builder<flate2::write::GzEncoder<fs::File>>)) {
        let gz = flate2::write::GzEncoder::new(fs::File::create(path).unwrap(), flate2::Compression::fast());
        let mut b = tar::Builder::new(gz);
        build(&mut b);
        b.into_inner().unwrap().finish().unwrap();
    }

    fn file_header(len: u64) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_size(len);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h
    }

    #[test]
    fn names_come_from_the_file_name() {
        assert_eq!(recognise(Path::new("x/alice.zip")), Some((ArchiveKind::Zip, "alice".into())));
        assert_eq!(recognise(Path::new("bob.tar.gz")), Some((ArchiveKind::TarGz, "bob".into())));
        assert_eq!(recognise(Path::new("carol.TGZ")), Some((ArchiveKind::TarGz, "carol".into())));
        assert_eq!(recognise(Path::new("notes.txt")), None);
        assert_eq!(recognise(Path::new(".zip")), None);
    }

    #[test]
    fn a_zip_made_from_the_parent_folder_has_its_crate_as_root() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("a.zip");
        zip_with(&zip, &[("a01/src/lib.rs", b"fn f() {}"), ("__MACOSX/a01/._lib.rs", b"junk")]);
        let out = unpack(&zip, ArchiveKind::Zip, &dir.path().join("a"), &Caps::default()).unwrap();
        assert_eq!(out.root, dir.path().join("a/a01"));
        assert_eq!(fs::read_to_string(out.root.join("src/lib.rs")).unwrap(), "fn f() {}");
        assert_eq!(out.skipped, vec!["__MACOSX/a01/._lib.rs".to_string()]);
    }

    #[test]
    fn paths_out_of_the_folder_are_refused() {
        for bad in ["../evil.rs", "src/../../evil.rs", "/etc/passwd", "C:/evil.rs", "..\\evil.rs"] {
            assert!(matches!(safe_relative(bad), Err(ArchiveError::UnsafePath(_))), "{bad}");
        }
        assert_eq!(safe_relative("./src//lib.rs").unwrap(), Some(PathBuf::from("src/lib.rs")));
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("evil.zip");
        zip_with(&zip, &[("src/lib.rs", b""), ("../../escaped.rs", b"x")]);
        let err = unpack(&zip, ArchiveKind::Zip, &dir.path().join("evil"), &Caps::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::UnsafePath(ref p) if p == "../../escaped.rs"), "{err}");
        assert!(!dir.path().join("escaped.rs").exists());
    }

    #[test]
    fn tar_links_are_skipped_never_created() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = dir.path().join("links.tar.gz");
        tar_gz_with(&tgz, |b| {
            let body = b"pub fn f() {}";
            b.append_data(&mut file_header(body.len() as u64), "src/lib.rs", &body[..]).unwrap();
            let mut link = tar::Header::new_gnu();
            link.set_entry_type(tar::EntryType::Symlink);
            link.set_size(0);
            b.append_link(&mut link, "src/secret.rs", "/etc/shadow").unwrap();
        });
        let out = unpack(&tgz, ArchiveKind::TarGz, &dir.path().join("links"), &Caps::default()).unwrap();
        assert!(out.root.join("src/lib.rs").is_file());
        assert!(fs::symlink_metadata(out.root.join("src/secret.rs")).is_err());
        assert_eq!(out.skipped, vec!["src/secret.rs".to_string()]);
    }

    #[test]
    fn a_compression_bomb_stops_at_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let tgz = dir.path().join("bomb.tar.gz");
        let big = 4u64 << 20;
        tar_gz_with(&tgz, |b| {
            b.append_data(&mut file_header(big), "src/lib.rs", io::repeat(0).take(big)).unwrap();
        });
        let caps = Caps { max_file_bytes: 1 << 20, ..Caps::default() };
        let err = unpack(&tgz, ArchiveKind::TarGz, &dir.path().join("bomb"), &caps).unwrap_err();
        assert!(matches!(err, ArchiveError::TooLarge { limit, .. } if limit == 1 << 20), "{err}");
        let zip = dir.path().join("many.zip");
        let names: Vec<String> = (0..5).map(|i| format!("src/f{i}.rs")).collect();
        zip_with(&zip, &names.iter().map(|n| (n.as_str(), &b""[..])).collect::<Vec<_>>());
        let caps = Caps { max_entries: 3, ..Caps::default() };
        let err = unpack(&zip, ArchiveKind::Zip, &dir.path().join("many"), &caps).unwrap_err();
        assert!(matches!(err, ArchiveError::TooManyEntries(3)), "{err}");
    }

    #[test]
    fn a_damaged_archive_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("broken.zip");
        fs::write(&zip, b"this is not a zip file").unwrap();
        let err = unpack(&zip, ArchiveKind::Zip, &dir.path().join("broken"), &Caps::default()).unwrap_err();
        assert!(matches!(err, ArchiveError::Corrupt(_)), "{err}");
    }
}
