//! What untrusted code must not see, for one batch: the course (reference
//! solutions, graders, hidden data, its git history), the other submissions,
//! the reports, the grading user's home, and the shared temporary
//! directories, as two [`MountPlan`]s: one for building a submission and one
//! for running it.
//!
//! The build needs some of that: cargo and rustc (in the user's home),
//! libtorch, the shared build cache, and the parts of the course the
//! `gradwork` crate is built from. Those stay visible; the course's
//! solutions, graders, tests, build outputs and history do not.

use super::MountPlan;
use std::path::{Path, PathBuf};

/// Temporary directories shared by everyone on the machine.
const SHARED_TMP: &[&str] = &["/tmp", "/var/tmp", "/dev/shm"];

/// What the course holds that a build must not see: solutions, graders (with
/// hidden checks, data and sample submissions made from the solutions), the
/// harness's tests (whose fixtures are copies of solutions), build outputs
/// and the history. The rest (the harness's own source, the stubs, docs) is
/// what the build is made of.
const COURSE_SECRETS: &[&str] = &["reference", "graders", "tests", "target", ".git"];

/// The places a batch must keep from the submissions it grades.
#[derive(Debug, Clone)]
pub struct Secrets {
    /// The course repository.
    pub course_root: PathBuf,
    /// The shared build cache (`target/gradwork`).
    pub build_dir: PathBuf,
    /// Where submissions come from (folders and archives as given).
    pub inputs: Vec<PathBuf>,
    /// Where reports go.
    pub out: PathBuf,
    /// libtorch's root (the directory holding `lib/`).
    pub libtorch: Option<PathBuf>,
}

impl Secrets {
    /// The view of a submission's build running in `workspace` and building
    /// into `target_dir` (its build slot, inside the shared cache).
    pub fn for_build(&self, workspace: &Path, target_dir: &Path) -> MountPlan {
        let home = home();
        let cargo_home = env_dir("CARGO_HOME").or_else(|| home.as_ref().map(|h| h.join(".cargo")));
        let rustup_home = env_dir("RUSTUP_HOME").or_else(|| home.as_ref().map(|h| h.join(".rustup")));
        let mut plan = self.common(workspace).keep(&self.course_root);
        for secret in COURSE_SECRETS {
            plan = plan.hide(self.course_root.join(secret));
        }
        // Inside the cache, only cargo's profile directories (which hold
        // `.fingerprint/`) and the build's own slot: other slots hold other
        // submissions' builds.
        plan = plan.keep(&self.build_dir).hide(self.build_dir.join("slots")).keep(target_dir);
        for entry in std::fs::read_dir(&self.build_dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() && !path.join(".fingerprint").is_dir() {
                plan = plan.hide(path);
            }
        }
        for dir in [&cargo_home, &rustup_home].into_iter().flatten() {
            plan = plan.keep(dir);
        }
        if let Some(cargo_home) = &cargo_home {
            plan = plan.hide(cargo_home.join("credentials.toml")).hide(cargo_home.join("credentials"));
        }
        if let Some(home) = home {
            plan = plan.hide(home);
        }
        plan
    }

    /// The view of a submission's runner, whose files are all in `sandbox_dir`.
    pub fn for_runner(&self, sandbox_dir: &Path) -> MountPlan {
        let mut plan = self.common(sandbox_dir).hide(&self.course_root).hide(&self.build_dir);
        if let Some(home) = home() {
            plan = plan.hide(home);
        }
        plan
    }

    /// Hidden from both: other submissions, reports, shared temporary
    /// directories (replaced by private ones); kept: `own` and libtorch.
    fn common(&self, own: &Path) -> MountPlan {
        let mut plan = MountPlan::new().keep(own);
        for input in &self.inputs {
            plan = plan.hide(input);
        }
        plan = plan.hide(&self.out);
        let mut tmp: Vec<PathBuf> = SHARED_TMP.iter().map(PathBuf::from).collect();
        tmp.push(std::env::temp_dir());
        for t in tmp {
            plan = plan.scratch(t);
        }
        if let Some(torch) = &self.libtorch {
            plan = plan.keep(torch);
            // pip's torch finds the CUDA runtime it needs at `torch/lib/../../nvidia`.
            if let Some(nvidia) = torch.parent().map(|p| p.join("nvidia")).filter(|p| p.is_dir()) {
                plan = plan.keep(nvidia);
            }
        }
        plan
    }
}

fn home() -> Option<PathBuf> {
    env_dir("HOME").filter(|h| h != Path::new("/"))
}

fn env_dir(name: &str) -> Option<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from)
}


#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        Secrets {
            course_root: "/course".into(),
            build_dir: "/course/target/gradwork".into(),
            inputs: vec!["/subs".into()],
            out: "/out".into(),
            libtorch: Some("/opt/venv/site-packages/torch".into()),
        }
    }

    fn hidden(plan: &MountPlan) -> Vec<String> {
        plan.hidden().iter().map(|h| h.path.display().to_string()).collect()
    }

    fn kept(plan: &MountPlan) -> Vec<String> {
        plan.kept().iter().map(|k| k.display().to_string()).collect()
    }

    #[test]
    fn a_build_sees_the_harness_but_no_solution_submission_or_report() {
        let plan = secrets().for_build(Path::new("/tmp/gradwork-build-x"), Path::new("/course/target/gradwork/slots/3"));
        let (hidden, kept) = (hidden(&plan), kept(&plan));
        for secret in ["/course/reference", "/course/graders", "/course/tests", "/course/target", "/course/.git", "/course/target/gradwork/slots", "/subs", "/out", "/tmp"] {
            assert!(hidden.contains(&secret.to_string()), "{secret} is not hidden: {hidden:?}");
        }
        for needed in ["/tmp/gradwork-build-x", "/course", "/course/target/gradwork", "/course/target/gradwork/slots/3", "/opt/venv/site-packages/torch"] {
            assert!(kept.contains(&needed.to_string()), "{needed} is not kept: {kept:?}");
        }
    }

    #[test]
    fn a_runner_sees_nothing_of_the_course() {
        let plan = secrets().for_runner(Path::new("/tmp/gradwork-build-x/sandbox"));
        let (hidden, kept) = (hidden(&plan), kept(&plan));
        for secret in ["/course", "/course/target/gradwork", "/subs", "/out", "/tmp", "/dev/shm"] {
            assert!(hidden.contains(&secret.to_string()), "{secret} is not hidden: {hidden:?}");
        }
        assert!(!kept.iter().any(|k| k.starts_with("/course")), "{kept:?}");
        assert!(kept.contains(&"/tmp/gradwork-build-x/sandbox".to_string()));
    }
}
