//! The hostile submissions of `tests/fixtures/adversarial.toml`, made into
//! submission folders. Shared by `tests/adversarial.rs` and `benches/batch.rs`.

use gradwork::course::Course;
use gradwork::samples::Sample;
use std::path::{Path, PathBuf};

/// The assignment the hostile submissions attack.
pub const ASSIGNMENT: &str = "a01-tensors";

fn fixtures(course: &Course) -> PathBuf {
    course.root().join("tests/fixtures")
}

fn samples_file(course: &Course) -> PathBuf {
    fixtures(course).join("adversarial.toml")
}

/// The hostile submissions, in the order of the file.
pub fn samples(course: &Course) -> Vec<Sample> {
    gradwork::samples::load_file(&samples_file(course)).expect("tests/fixtures/adversarial.toml")
}

/// The folders of `tests/fixtures/adversarial/`: files some submissions bring.
pub fn own_file_folders(course: &Course) -> Vec<String> {
    std::fs::read_dir(fixtures(course).join("adversarial"))
        .expect("tests/fixtures/adversarial")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Makes `sample` in `dest`: the reference with the sample's edits, its own
/// files (`tests/fixtures/adversarial/<name>/`) laid over it, and the
/// `@NAME@` placeholders of `fill` filled in.
pub fn make(course: &Course, sample: &Sample, dest: &Path, fill: &[(&str, String)]) {
    gradwork::samples::copy_src(&course.reference_dir(ASSIGNMENT), dest)
        .expect("copy the reference's src/");
    gradwork::samples::apply_edits(sample, dest, &samples_file(course))
        .unwrap_or_else(|e| panic!("hostile submission `{}`: {e}", sample.name));
    let own = fixtures(course).join("adversarial").join(&sample.name);
    if own.is_dir() {
        copy_tree(&own, dest);
    }
    fill_in(dest, fill);
}

/// Copies the folder `from` into `to`, over what is there.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a folder");
    for entry in std::fs::read_dir(from).expect("read a folder").flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy a file");
        }
    }
}

/// Fills in the `@NAME@` placeholders of every file below `dir`.
fn fill_in(dir: &Path, fill: &[(&str, String)]) {
    for entry in std::fs::read_dir(dir)
        .expect("read a submission folder")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            fill_in(&path, fill);
        } else {
            let mut text = std::fs::read_to_string(&path).expect("submission file is text");
            for (key, value) in fill {
                text = text.replace(key, value);
            }
            std::fs::write(&path, text).expect("write a submission file");
        }
    }
}
