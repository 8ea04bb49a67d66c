//! Records where libtorch is, its version, and whether this is a CUDA install.
//!
//! The linker's `--as-needed` drops `libtorch_cuda.so` because no symbol of it
//! is referenced directly, and then `tch::Cuda::is_available()` is false even
//! on a GPU machine (tch-rs #980, #907, #904). Link flags cannot fix that for
//! every binary of the workspace (`rustc-link-arg` does not propagate to
//! dependents, and the `-as-needed` link modifier is nightly-only), so on a
//! CUDA install (`GRADWORK_LINK_CUDA=1` from setup) gradwork loads
//! `libtorch_cuda.so` at run time, when a device is chosen
//! (`libtorch::load_cuda`): CPU-only processes (runners, students' tests) do
//! not pay its 0.2 s and 400 MB.

use std::env;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-env-changed=GRADWORK_LINK_CUDA");
    let lib = env::var("DEP_TCH_LIBTORCH_LIB").unwrap_or_default();
    println!("cargo:rustc-env=GRADWORK_LIBTORCH_LIB={lib}");
    let cuda_wanted = env::var("GRADWORK_LINK_CUDA").is_ok_and(|v| v == "1");
    let cuda = cuda_wanted && Path::new(&lib).join("libtorch_cuda.so").exists();
    println!("cargo:rustc-env=GRADWORK_LINK_CUDA={}", u8::from(cuda));
    let torch_dir = Path::new(&lib).parent().unwrap_or(Path::new("."));
    println!("cargo:rustc-env=GRADWORK_LIBTORCH_VERSION={}", libtorch_version(torch_dir));
}

fn libtorch_version(torch_dir: &Path) -> String {
    let version_py = std::fs::read_to_string(torch_dir.join("version.py")).unwrap_or_default();
    let from_py = version_py
        .lines()
        .find_map(|l| l.strip_prefix("__version__"))
        .map(|v| v.trim_start_matches([' ', '=']).trim().trim_matches(['\'', '"']).to_string());
    from_py
        .or_else(|| std::fs::read_to_string(torch_dir.join("build-version")).ok().map(|s| s.trim().to_string()))
        .unwrap_or_else(|| "unknown".to_string())
}
