//! Facts about the libtorch this binary links, and device selection.

use tch::Device;

/// libtorch's version, read from the install at build time (e.g. `2.13.0+cu130`).
pub const VERSION: &str = env!("GRADWORK_LIBTORCH_VERSION");

/// libtorch's `lib/` directory at build time (the rpath of every binary).
pub const LIB_DIR: &str = env!("GRADWORK_LIBTORCH_LIB");

/// Whether this build belongs to a CUDA install (setup's `GRADWORK_LINK_CUDA=1`
/// and `libtorch_cuda.so` present): then [`load_cuda`] makes CUDA usable.
pub const LINKS_CUDA: bool = matches!(env!("GRADWORK_LINK_CUDA").as_bytes(), b"1");

/// Loads `libtorch_cuda.so` into the process (once), so that libtorch's CUDA
/// backend registers itself: the linker's `--as-needed` drops the library from
/// binaries, which would leave `tch::Cuda::is_available()` false on a GPU
/// machine. Returns whether the library is loaded. A no-op on CPU installs.
pub fn load_cuda() -> bool {
    static LOADED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *LOADED.get_or_init(|| {
        if !LINKS_CUDA {
            return false;
        }
        let path = format!("{LIB_DIR}/libtorch_cuda.so\0");
        // SAFETY: dlopen with a NUL-terminated path; the handle is kept for the
        // process's lifetime on purpose (the CUDA backend must stay loaded).
        let handle = unsafe { libc::dlopen(path.as_ptr().cast(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
        !handle.is_null()
    })
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
        "--device cuda was asked for, but CUDA is not available here (linked: {linked}): \
         use --device auto or cpu, or re-run `make setup` with an NVIDIA GPU present"
    )]
    NoCuda {
        /// whether libtorch_cuda is linked
        linked: bool,
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
            DeviceChoice::Cuda if load_cuda() && tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(DeviceError::NoCuda { linked: LINKS_CUDA }),
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
