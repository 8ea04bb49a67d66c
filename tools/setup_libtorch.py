#!/usr/bin/env python3
"""Install (or find) libtorch 2.13.0 and point cargo at it.

tch 0.26 links against libtorch 2.13.0 exactly. This script makes that true on
a fresh machine with only Python 3 and Rust, and is safe to re-run:

* a user's own libtorch (``LIBTORCH=/path``) or PyTorch (``LIBTORCH_USE_PYTORCH=1``
  with that Python first on PATH) is used as it is;
* otherwise PyPI's ``torch==2.13.0`` wheel goes into a virtualenv in a cache
  directory outside the clone (``$GRADWORK_CACHE``, else
  ``$XDG_CACHE_HOME/gradwork``, else ``~/.cache/gradwork``), so fresh clones and
  CI reuse it. CPU-only (1.2 GB) by default; the full CUDA install (4.7 GB)
  when an NVIDIA GPU is present or ``--cuda yes`` is given.

It then writes ``.cargo/config.toml`` (git-ignored) with ``LIBTORCH`` and an
rpath, so every binary and test runs from a plain shell with no
``LD_LIBRARY_PATH``; on a CUDA install it also sets ``GRADWORK_LINK_CUDA=1``,
which makes gradwork load ``libtorch_cuda.so`` when it picks a device: the
linker's ``--as-needed`` drops it from binaries (tch-rs #980).

Every failure ends in one line that says what to install or set.
"""
import argparse
import os
import pathlib
import shutil
import subprocess
import sys

TORCH_VERSION = "2.13.0"
# libtorch_cpu.so of the PyPI wheel needs these two even on a CPU-only machine.
CPU_RUNTIME = ["nvidia-cuda-runtime==13.0.96", "nvidia-cuda-cupti==13.0.85"]
REPO = pathlib.Path(__file__).resolve().parent.parent


class SetupError(Exception):
    """A failure with the one line the user needs."""


def log(msg):
    print(f"setup: {msg}", file=sys.stderr, flush=True)


def cache_dir():
    if os.environ.get("GRADWORK_CACHE"):
        return pathlib.Path(os.environ["GRADWORK_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "gradwork"


def gpu_present():
    if pathlib.Path("/dev/nvidia0").exists():
        return True
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def torch_version_of(torch_dir):
    """The version a libtorch tree declares, from the wheel's version.py or libtorch's build-version."""
    version_py = torch_dir / "version.py"
    if version_py.exists():
        for line in version_py.read_text().splitlines():
            if line.startswith("__version__"):
                return line.split("=", 1)[1].strip().strip("'\"").split("+")[0]
    build_version = torch_dir / "build-version"
    if build_version.exists():
        return build_version.read_text().strip().split("+")[0]
    return None


def check_libtorch(torch_dir, origin):
    lib = torch_dir / "lib"
    if not (lib / "libtorch_cpu.so").exists() or not (torch_dir / "include").is_dir():
        raise SetupError(
            f"{origin} {torch_dir} is not a libtorch tree (no lib/libtorch_cpu.so or include/): "
            f"point it at a libtorch {TORCH_VERSION} directory, or unset it to let setup install one")
    version = torch_version_of(torch_dir)
    if version is not None and version != TORCH_VERSION:
        raise SetupError(
            f"{origin} {torch_dir} holds torch {version}, but tch 0.26 needs exactly {TORCH_VERSION}: "
            f"install torch=={TORCH_VERSION} there, or unset it to let setup install one")
    return torch_dir


def from_user_pytorch():
    python = shutil.which("python") if os.environ.get("VIRTUAL_ENV") else None
    python = python or shutil.which("python3")
    if not python:
        raise SetupError("LIBTORCH_USE_PYTORCH is set but no python3 is on PATH: install Python 3 or unset it")
    out = subprocess.run([python, "-c", "import torch, pathlib; print(pathlib.Path(torch.__file__).parent)"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"LIBTORCH_USE_PYTORCH is set but `{python} -c 'import torch'` fails: "
                         f"`pip install torch=={TORCH_VERSION}` into that Python, or unset LIBTORCH_USE_PYTORCH")
    return check_libtorch(pathlib.Path(out.stdout.strip()), "the PyTorch of LIBTORCH_USE_PYTORCH at")


def run_pip(venv, packages):
    cmd = [str(venv / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
           "--no-input", *packages]
    log(" ".join(cmd[2:]))
    if subprocess.run(cmd).returncode != 0:
        raise SetupError(
            f"pip could not install {' '.join(packages)} (see pip's message above): check that PyPI is "
            f"reachable, or install libtorch {TORCH_VERSION} yourself and set LIBTORCH to it")


def installed_torch(venv):
    found = sorted(venv.glob("lib/python3*/site-packages/torch"))
    return found[0] if found else None


def from_pypi(cuda):
    flavour = "cuda" if cuda else "cpu"
    venv = cache_dir() / f"torch-{TORCH_VERSION}-{flavour}"
    done = venv / ".gradwork-complete"
    if done.exists() and installed_torch(venv):
        return check_libtorch(installed_torch(venv), "the cached install at")
    if sys.version_info < (3, 9):
        raise SetupError(f"Python {sys.version.split()[0]} is too old for torch {TORCH_VERSION}: install Python 3.10 or newer")
    log(f"installing torch {TORCH_VERSION} ({flavour}) into {venv} (once; later runs reuse it)")
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    made = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        raise SetupError(f"`{sys.executable} -m venv` failed ({made.stderr.strip().splitlines()[-1:]}): "
                         f"install the venv module, e.g. `apt-get install python3-venv`")
    if cuda:
        run_pip(venv, [f"torch=={TORCH_VERSION}"])
    else:
        run_pip(venv, ["--no-deps", f"torch=={TORCH_VERSION}", *CPU_RUNTIME])
    torch_dir = installed_torch(venv)
    if torch_dir is None:
        raise SetupError(f"pip finished but {venv} holds no torch package: delete {venv} and re-run `make setup`")
    check_libtorch(torch_dir, "the fresh install at")
    done.write_text(TORCH_VERSION + "\n")
    return torch_dir


def toml_string(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_cargo_config(torch_dir, cuda):
    lib = torch_dir / "lib"
    lines = [
        "# Written by tools/setup_libtorch.py (`make setup`); do not edit, re-run it instead.",
        "[env]",
        f"LIBTORCH = {toml_string(torch_dir)}",
        f"GRADWORK_LINK_CUDA = {toml_string('1' if cuda else '0')}",
        "",
        "# The rpath lets binaries and tests find libtorch from a plain shell (no LD_LIBRARY_PATH).",
        "[target.'cfg(target_os = \"linux\")']",
        f"rustflags = [\"-C\", {toml_string('link-arg=-Wl,-rpath,' + str(lib))}]",
        "",
        "# Doc tests are linked by rustdoc, which reads its own flags.",
        "[build]",
        f"rustdocflags = [\"-C\", {toml_string('link-arg=-Wl,-rpath,' + str(lib))}]",
        "",
    ]
    config = REPO / ".cargo" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    text = "\n".join(lines)
    if not config.exists() or config.read_text() != text:
        config.write_text(text)
        log(f"wrote {config.relative_to(REPO)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cuda", choices=["auto", "yes", "no"], default=os.environ.get("GRADWORK_CUDA", "auto"),
                        help="install the CUDA build (auto: when an NVIDIA GPU is present)")
    parser.add_argument("--dry-run", action="store_true",
                        help="find or install libtorch and report, but do not write .cargo/config.toml")
    parser.add_argument("--print-libtorch", action="store_true",
                        help="print the libtorch directory on stdout (for scripts)")
    args = parser.parse_args()
    cuda = args.cuda == "yes" or (args.cuda == "auto" and gpu_present())
    try:
        if os.environ.get("LIBTORCH"):
            torch_dir = check_libtorch(pathlib.Path(os.environ["LIBTORCH"]).resolve(), "LIBTORCH=")
            cuda = cuda and (torch_dir / "lib" / "libtorch_cuda.so").exists()
        elif os.environ.get("LIBTORCH_USE_PYTORCH"):
            torch_dir = from_user_pytorch()
            cuda = cuda and (torch_dir / "lib" / "libtorch_cuda.so").exists()
        else:
            torch_dir = from_pypi(cuda)
        if not args.dry_run:
            write_cargo_config(torch_dir, cuda)
    except SetupError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    log(f"libtorch {TORCH_VERSION} at {torch_dir} ({'CUDA' if cuda else 'CPU'})")
    if args.print_libtorch:
        print(torch_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
