#!/bin/sh
# `make cuda-check`: builds gradwork against the CUDA build of libtorch and
# checks that its CUDA backend registers. A GPU is not needed: without one,
# libtorch must say "Found no NVIDIA driver" (backend registered) and not
# "Could not run ... from the 'CUDA' backend" (the --as-needed trap of
# DESIGN.md §4); with one, grading must run on cuda:0.
#
# It installs the CUDA wheel once (4.7 GB, in the same cache as `make setup`)
# and builds in target/cuda-check, so the CPU build in target/ is untouched.
set -eu
cd "$(dirname "$0")/.."
torch_dir=$(GRADWORK_CUDA=yes python3 tools/setup_libtorch.py --dry-run --print-libtorch)
if [ ! -e "$torch_dir/lib/libtorch_cuda.so" ]; then
    echo "error: $torch_dir has no lib/libtorch_cuda.so: delete it and re-run make cuda-check" >&2
    exit 1
fi
export LIBTORCH="$torch_dir" GRADWORK_LINK_CUDA=1 CARGO_TARGET_DIR=target/cuda-check
export RUSTFLAGS="-C link-arg=-Wl,-rpath,$torch_dir/lib"
cargo test --lib -p gradwork libtorch::
cargo build --bin gradwork
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
if target/cuda-check/debug/gradwork grade a01-tensors reference/a01-tensors --device cuda --out "$out" >"$out/log" 2>&1; then
    if grep -q '"device": "cuda:0"' "$out/a01-tensors/report.json"; then
        echo "cuda-check: graded a01-tensors on cuda:0"
    else
        echo "error: --device cuda graded, but not on cuda:0:" >&2
        grep -o '"device": "[^"]*"' "$out/a01-tensors/report.json" >&2
        exit 1
    fi
else
    cat "$out/log" >&2
    if grep -q "Found no NVIDIA driver" "$out/log"; then
        echo "cuda-check: no GPU here, but the CUDA backend registered (libtorch looked for a driver)"
    else
        echo "error: --device cuda failed for another reason than a missing driver (above)" >&2
        exit 1
    fi
fi
