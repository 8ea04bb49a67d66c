# gradwork: the two commands of the README, and the set-up they share.
#   make demo   grade the bundled sample submissions of every assignment
#   make test   the whole test suite (harness tests + dev check)
#   make lint   clippy over the whole workspace, warnings as errors (CI runs it)
#   make cuda-check  build against the CUDA libtorch (4.7 GB, once) and check
#               that its CUDA backend registers; needs no GPU

CARGO ?= cargo

.PHONY: setup demo test check lint cuda-check

setup:
	@command -v python3 >/dev/null 2>&1 || { echo "error: Python 3 is needed to install libtorch: install python3 (and python3-venv), e.g. apt-get install python3 python3-venv" >&2; exit 1; }
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "error: Rust is needed: install it from https://rustup.rs (cargo must be on PATH)" >&2; exit 1; }
	@python3 tools/setup_libtorch.py

demo: setup
	$(CARGO) run --bin gradwork -- demo

test: setup
	$(CARGO) test
	$(CARGO) run --bin gradwork -- dev check

check: test

# `!(x > 0.0)` is how the code says "not above zero, NaN included" on purpose,
# so clippy's neg_cmp_op_on_partial_ord does not apply.
lint: setup
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "error: make lint needs clippy: rustup component add clippy" >&2; exit 1; }
	$(CARGO) clippy --workspace --all-targets -- -D warnings -A clippy::neg_cmp_op_on_partial_ord

cuda-check:
	@sh tools/check_cuda_build.sh
