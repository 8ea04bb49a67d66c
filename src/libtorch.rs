//! Facts about the libtorch this binary links, and device selection.

use tch::Device;

/// libtorch's version, read from the install at build time (e.g. `2.13.0+cu130`).
pub const VERSION: &str = env!("GRADWORK_LIBTORCH_VERSION");

/// libtorch's `lib/` directory at build time (the rpath of every binary).
pub const LIB_DIR: &str = env!("GRADWORK_LIBTORCH_LIB");

/// Whether this build belongs to a CUDA install (setup's `GRADWORK_LINK_CUDA=1`
/// and `libtorch_cuda.so` present): then [`load_cuda`] makes CUDA usable.
pub const LINKS_CUDA: bool = matches!(env!("GRADWORK_LINK_CUDA").as_bytes(), b"1");

/// The CUDA version of this install (e.g. `13.0` from `2.13.0+cu130`) when
/// it is a CUDA install ([`LINKS_CUDA`]); `None` when only libtorch's CPU
/// runtime is there, whatever the wheel's build tag says. Empty when a CUDA
/// install's version names no CUDA release.
pub fn install_cuda() -> Option<String> {
    LINKS_CUDA.then(|| cuda_of_version(VERSION).unwrap_or_default())
}

/// The CUDA release a libtorch version's build tag names: `2.13.0+cu130` →
/// `13.0`, `2.6.0+cu118` → `11.8`; `None` for `+cpu` or no tag.
///
/// ```
/// use gradwork::libtorch::cuda_of_version;
/// assert_eq!(cuda_of_version("2.13.0+cu130").as_deref(), Some("13.0"));
/// assert_eq!(cuda_of_version("2.6.0+cu118").as_deref(), Some("11.8"));
/// assert_eq!(cuda_of_version("2.13.0+cpu"), None);
/// assert_eq!(cuda_of_version("2.13.0"), None);
/// ```
pub fn cuda_of_version(version: &str) -> Option<String> {
    let digits = version.split_once('+')?.1.strip_prefix("cu")?;
    if digits.len() < 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (major, minor) = digits.split_at(digits.len() - 1);
    Some(format!("{major}.{minor}"))
}

/// Loads `libtorch_cuda.so` into the process (once), so that libtorch's CUDA
/// backend registers itself: the linker's `--as-needed` drops the library from
/// binaries, which would leave `tch::Cuda::is_available()` false on a GPU
/// machine. Returns whether the library is loaded. A no-op on CPU installs.
pub fn load_cuda() -> bool {
    cuda_library().is_ok()
}

/// Loads `libtorch_cuda.so` once; the error is the dynamic loader's message.
fn cuda_library() -> Result<(), String> {
    static LOADED: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    LOADED
        .get_or_init(|| {
            if !LINKS_CUDA {
                return Err("this is a CPU-only build of gradwork".into());
            }
            let path = format!("{LIB_DIR}/libtorch_cuda.so\0");
            // SAFETY: dlopen with a NUL-terminated path; the handle is kept for the
            // process's lifetime on purpose (the CUDA backend must stay loaded).
            let handle = unsafe { libc::dlopen(path.as_ptr().cast(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            if !handle.is_null() {
                return Ok(());
            }
            // SAFETY: dlerror returns NULL or a NUL-terminated string owned by the loader.
            let err = unsafe { libc::dlerror() };
            Err(if err.is_null() {
                format!("{LIB_DIR}/libtorch_cuda.so could not be loaded")
            } else {
                // SAFETY: non-null, NUL-terminated (above).
                unsafe { std::ffi::CStr::from_ptr(err) }.to_string_lossy().into_owned()
            })
        })
        .clone()
}

/// Why CUDA cannot be used in this process, in libtorch's or the loader's
/// words; `None` when it can.
pub fn cuda_unavailable_reason() -> Option<String> {
    if let Err(reason) = cuda_library() {
        return Some(reason);
    }
    if tch::Cuda::is_available() {
        return None;
    }
    // Allocating on the device makes libtorch say why it cannot: "Found no
    // NVIDIA driver on your system" when the CUDA backend is registered,
    // "Could not run 'aten::empty.memory_format' with arguments from the
    // 'CUDA' backend" (then a list of backends) when it is not.
    let reason = match tch::Tensor::f_zeros([1], (tch::Kind::Float, Device::Cuda(0))) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    };
    let first = reason.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("libtorch reports no CUDA device");
    Some(first_sentence(first).to_string())
}

/// `text` up to the end of its first sentence, when it goes on for long.
fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) if text.len() > 240 => &text[..=end],
        _ => text,
    }
}

/// Which device the oracle should use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeviceChoice {
    /// CUDA when available, else CPU.
    Auto,
    /// Always the CPU.
    Cpu,
    /// CUDA; an error when it is not available.
    Cuda,
}

/// Errors choosing a device.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// `--device cuda` on a machine or build without CUDA.
    #[error(
        "--device cuda was asked for, but CUDA is not available here ({reason}): \
         use --device auto or cpu, or, on a machine with an NVIDIA GPU, re-run `make setup` \
         (it installs the CUDA build of libtorch when it sees a GPU, or with GRADWORK_CUDA=yes)"
    )]
    NoCuda {
        /// Why, in the words of libtorch or of the dynamic loader.
        reason: String,
    },
}

impl DeviceChoice {
    /// The device to use.
    pub fn resolve(self) -> Result<Device, DeviceError> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => {
                load_cuda();
                Ok(Device::cuda_if_available())
            }
            DeviceChoice::Cuda => match cuda_unavailable_reason() {
                None => Ok(Device::Cuda(0)),
                Some(reason) => Err(DeviceError::NoCuda { reason }),
            },
        }
    }
}

/// `cpu` or `cuda:0`.
pub fn device_name(device: Device) -> String {
    match device {
        Device::Cpu => "cpu".into(),
        Device::Cuda(i) => format!("cuda:{i}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_cuda_is_explained_and_a_cuda_build_registers_its_backend() {
        let Some(reason) = cuda_unavailable_reason() else {
            assert!(tch::Cuda::is_available());
            return;
        };
        let err = DeviceChoice::Cuda.resolve().expect_err("no CUDA here");
        assert!(err.to_string().contains(&reason), "{err}");
        if LINKS_CUDA {
            // The `--as-needed` trap: libtorch_cuda.so not loaded, so its backend never registered
            // (measured without `load_cuda` on a CUDA install: "Could not run
            // 'aten::empty.memory_format' with arguments from the 'CUDA' backend.").
            assert!(!reason.contains("'CUDA' backend"), "CUDA build without its backend: {reason}");
        } else {
            assert_eq!(reason, "this is a CPU-only build of gradwork");
        }
        assert_eq!(DeviceChoice::Auto.resolve().ok(), Some(Device::Cpu));
    }

    #[test]
    fn long_libtorch_errors_are_cut_after_their_first_sentence() {
        let long = format!("Could not run 'aten::empty' from the 'CUDA' backend. Available: [{}]", "CPU, ".repeat(60));
        assert_eq!(first_sentence(&long), "Could not run 'aten::empty' from the 'CUDA' backend.");
        assert_eq!(first_sentence("Found no NVIDIA driver. Please check."), "Found no NVIDIA driver. Please check.");
    }
}
