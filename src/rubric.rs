//! `rubric.toml`: one per assignment, next to its grader. It says which checks
//! exist, what each is worth, who sees it, how close is close enough, how long
//! a check may take, and which APIs the student's source must not use.
//!
//! ```
//! let rubric = gradwork::rubric::Rubric::parse(r#"
//! format_version = 1
//! assignment = "a00-demo"
//! title = "Demo"
//!
//! [[check]]
//! id = "ones"
//! title = "returns a tensor of ones"
//! points = 2
//! "#, "rubric.toml").unwrap();
//! assert_eq!(rubric.max_score(), 2.0);
//! ```

use crate::compare::Tolerance;
use crate::result::Visibility;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The rubric format this gradwork reads.
pub const FORMAT_VERSION: u32 = 1;

/// Problems with a rubric file; each names the file and says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// the rubric file
        path: PathBuf,
        /// the I/O error
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema.
    #[error("{path}: {message}")]
    Parse {
        /// the rubric file
        path: PathBuf,
        /// toml's message, with line and column
        message: String,
    },
    /// The file parses but says something impossible.
    #[error("{path}: {message}")]
    Invalid {
        /// the rubric file
        path: PathBuf,
        /// what is wrong and how to fix it
        message: String,
    },
}

/// Resource limits for running a submission.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock seconds one check may take (all its calls together).
    #[serde(default = "default_time_per_check")]
    pub time_per_check_s: f64,
    /// Address-space limit of the runner process, in MiB.
    #[serde(default = "default_memory")]
    pub memory_mb: u64,
    /// CPU seconds the runner process may use in total before it is killed.
    #[serde(default = "default_cpu")]
    pub cpu_s: u64,
    /// Largest file the runner may write, in MiB.
    #[serde(default = "default_file_size")]
    pub file_size_mb: u64,
    /// Bytes of the runner's stdout/stderr kept for messages; the rest is dropped.
    #[serde(default = "default_output")]
    pub output_bytes: usize,
    /// Processes and threads the runner may have at once (enforced when the
    /// grader runs as root and can give each runner its own user).
    #[serde(default = "default_processes")]
    pub processes: u64,
    /// Wall-clock seconds a submission's build may take (cargo, rustc and the
    /// linker together) before it is stopped.
    #[serde(default = "default_build_time")]
    pub build_time_s: f64,
    /// Memory of a submission's build, in MiB: over all its processes
    /// together where the machine gives builds a memory cgroup, per process
    /// otherwise.
    #[serde(default = "default_build_memory")]
    pub build_memory_mb: u64,
    /// Compiler output (cargo's messages) a build may print, in MiB, before
    /// it is stopped.
    #[serde(default = "default_build_output")]
    pub build_output_mb: u64,
    /// Largest file a build may write, in MiB (its runner binary is one).
    #[serde(default = "default_build_file_size")]
    pub build_file_size_mb: u64,
}

fn default_time_per_check() -> f64 {
    20.0
}
fn default_memory() -> u64 {
    8192
}
fn default_cpu() -> u64 {
    600
}
fn default_file_size() -> u64 {
    64
}
fn default_output() -> usize {
    64 * 1024
}
fn default_processes() -> u64 {
    64
}
fn default_build_time() -> f64 {
    120.0
}
fn default_build_memory() -> u64 {
    4096
}
fn default_build_output() -> u64 {
    8
}
fn default_build_file_size() -> u64 {
    1024
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time_per_check_s: default_time_per_check(),
            memory_mb: default_memory(),
            cpu_s: default_cpu(),
            file_size_mb: default_file_size(),
            output_bytes: default_output(),
            processes: default_processes(),
            build_time_s: default_build_time(),
            build_memory_mb: default_build_memory(),
            build_output_mb: default_build_output(),
            build_file_size_mb: default_build_file_size(),
        }
    }
}

impl Limits {
    /// The limits in words, for report headers.
    pub fn describe(&self) -> String {
        format!(
            "{} s per check, {} MiB memory, {} s CPU, {} MiB per file",
            crate::compare::num(self.time_per_check_s),
            self.memory_mb,
            self.cpu_s,
            self.file_size_mb
        )
    }

    /// The build limits in words, for report headers.
    pub fn describe_build(&self) -> String {
        format!(
            "build: {} s, {} MiB memory, {} MiB of compiler output, {} MiB per file",
            crate::compare::num(self.build_time_s),
            self.build_memory_mb,
            self.build_output_mb,
            self.build_file_size_mb
        )
    }
}

/// One check as the rubric declares it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Stable id, matching the check function registered in the grader.
    pub id: String,
    /// What the check checks, in a student's words.
    pub title: String,
    /// Points it is worth.
    pub points: f64,
    /// Who sees it.
    #[serde(default)]
    pub visibility: Visibility,
    /// Relative tolerance, overriding the dtype default.
    pub rtol: Option<f64>,
    /// Absolute tolerance, overriding the dtype default.
    pub atol: Option<f64>,
    /// Why `rtol`/`atol` are wider than the reference needs (e.g. "students
    /// may expand the squares, which loses digits"): `gradwork dev check`
    /// then does not call the tolerance loose, and prints the reason instead.
    pub tolerance_why: Option<String>,
    /// Wall-clock limit for this check, overriding `[limits]`.
    pub time_limit_s: Option<f64>,
    /// A hint shown with every failure of this check.
    pub hint: Option<String>,
}

impl CheckSpec {
    /// The rubric's tolerance for this check, if it sets one (missing parts are 0).
    pub fn tolerance(&self) -> Option<Tolerance> {
        if self.rtol.is_none() && self.atol.is_none() {
            return None;
        }
        Some(Tolerance { rtol: self.rtol.unwrap_or(0.0), atol: self.atol.unwrap_or(0.0) })
    }
}

/// An API the student's source must not use.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForbiddenApi {
    /// The identifier, matched as a whole word outside comments (`cdist`, `backward`).
    pub api: String,
    /// Why, in a student's words.
    pub reason: String,
    /// Source files (globs relative to the crate) it is forbidden in; all of `src/` when empty.
    #[serde(default)]
    pub files: Vec<String>,
    /// Checks that score zero when it is used; every check when empty.
    #[serde(default)]
    pub checks: Vec<String>,
}

/// A parsed and validated `rubric.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Must equal [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Assignment id, e.g. `a01-tensors`.
    pub assignment: String,
    /// Human title.
    pub title: String,
    /// Files of a submission that are laid over the pristine crate (globs); default `src/**/*.rs`.
    #[serde(default = "default_allowed")]
    pub allowed_files: Vec<String>,
    /// Resource limits.
    #[serde(default)]
    pub limits: Limits,
    /// Forbidden APIs.
    #[serde(default, rename = "forbidden")]
    pub forbidden: Vec<ForbiddenApi>,
    /// The checks, in report order.
    #[serde(rename = "check")]
    pub checks: Vec<CheckSpec>,
}

fn default_allowed() -> Vec<String> {
    vec!["src/**/*.rs".into()]
}

impl Rubric {
    /// Reads and validates a rubric file.
    pub fn load(path: &Path) -> Result<Rubric, RubricError> {
        let text = std::fs::read_to_string(path).map_err(|source| RubricError::Io { path: path.into(), source })?;
        Rubric::parse(&text, path)
    }

    /// Parses and validates rubric text; `path` is used in messages only.
    pub fn parse(text: &str, path: impl AsRef<Path>) -> Result<Rubric, RubricError> {
        let path = path.as_ref();
        let rubric: Rubric =
            toml::from_str(text).map_err(|e| RubricError::Parse { path: path.into(), message: e.to_string() })?;
        rubric.validate().map_err(|message| RubricError::Invalid { path: path.into(), message })?;
        Ok(rubric)
    }

    fn validate(&self) -> Result<(), String> {
        if self.format_version != FORMAT_VERSION {
            return Err(format!(
                "format_version = {} but this gradwork reads version {FORMAT_VERSION}: update gradwork or the rubric",
                self.format_version
            ));
        }
        if self.checks.is_empty() {
            return Err("no [[check]] entries: a rubric needs at least one check".into());
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.checks {
            if !seen.insert(c.id.as_str()) {
                return Err(format!("check id `{}` appears twice: ids must be unique", c.id));
            }
            if !(c.points.is_finite() && c.points >= 0.0) {
                return Err(format!("check `{}` has points = {}: points must be a number ≥ 0", c.id, c.points));
            }
            if c.tolerance_why.is_some() && c.tolerance().is_none() {
                return Err(format!("check `{}` has tolerance_why but no rtol or atol: give the tolerance it explains, or drop it", c.id));
            }
            for (name, v) in [("rtol", c.rtol), ("atol", c.atol), ("time_limit_s", c.time_limit_s)] {
                if let Some(v) = v {
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(format!("check `{}` has {name} = {v}: it must be a number ≥ 0", c.id));
                    }
                }
            }
        }
        for f in &self.forbidden {
            for id in &f.checks {
                if !seen.contains(id.as_str()) {
                    return Err(format!("[[forbidden]] `{}` names check `{id}`, which the rubric does not define", f.api));
                }
            }
        }
        if !(self.limits.time_per_check_s > 0.0) {
            return Err("[limits] time_per_check_s must be > 0".into());
        }
        if !(self.limits.build_time_s.is_finite() && self.limits.build_time_s > 0.0) {
            return Err("[limits] build_time_s must be a number of seconds > 0".into());
        }
        for (name, v) in [
            ("build_memory_mb", self.limits.build_memory_mb),
            ("build_output_mb", self.limits.build_output_mb),
            ("build_file_size_mb", self.limits.build_file_size_mb),
        ] {
            if v == 0 {
                return Err(format!("[limits] {name} must be > 0"));
            }
        }
        Ok(())
    }

    /// The check with this id.
    pub fn check(&self, id: &str) -> Option<&CheckSpec> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Total points.
    pub fn max_score(&self) -> f64 {
        self.checks.iter().map(|c| c.points).sum()
    }

    /// Wall-clock limit for a check in seconds.
    pub fn time_limit(&self, spec: &CheckSpec) -> f64 {
        spec.time_limit_s.unwrap_or(self.limits.time_per_check_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "format_version = 1\nassignment = \"a00-demo\"\ntitle = \"Demo\"\n";
    const CHECK: &str = "[[check]]\nid = \"a\"\ntitle = \"first\"\npoints = 1\n";

    #[test]
    fn build_limits_have_defaults_and_can_be_set() {
        let r = Rubric::parse(&format!("{HEAD}{CHECK}"), "rubric.toml").unwrap();
        assert_eq!((r.limits.build_time_s, r.limits.build_memory_mb, r.limits.build_output_mb, r.limits.build_file_size_mb), (120.0, 4096, 8, 1024));
        assert_eq!(r.limits.describe_build(), "build: 120 s, 4096 MiB memory, 8 MiB of compiler output, 1024 MiB per file");
        let text = format!("{HEAD}[limits]\nbuild_time_s = 300\nbuild_memory_mb = 8192\nbuild_output_mb = 2\nbuild_file_size_mb = 512\n{CHECK}");
        let r = Rubric::parse(&text, "rubric.toml").unwrap();
        assert_eq!((r.limits.build_time_s, r.limits.build_memory_mb, r.limits.build_output_mb, r.limits.build_file_size_mb), (300.0, 8192, 2, 512));
    }

    #[test]
    fn impossible_build_limits_are_refused_by_name() {
        for (line, name) in [
            ("build_time_s = 0", "build_time_s"),
            ("build_time_s = -5", "build_time_s"),
            ("build_memory_mb = 0", "build_memory_mb"),
            ("build_output_mb = 0", "build_output_mb"),
            ("build_file_size_mb = 0", "build_file_size_mb"),
        ] {
            let text = format!("{HEAD}[limits]\n{line}\n{CHECK}");
            let err = Rubric::parse(&text, "graders/a00-demo/rubric.toml").unwrap_err().to_string();
            assert!(err.starts_with("graders/a00-demo/rubric.toml: [limits] ") && err.contains(name), "{line}: {err}");
        }
    }
}
