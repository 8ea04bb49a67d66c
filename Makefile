# gradwork: the two commands of the README, and the set-up they share.
#   make demo   grade the bundled sample submissions of every assignment
#   make test   the whole test suite (harness tests + dev check)
#   make lint   clippy over the whole workspace, warnings as errors (CI runs it)
#   make mutants  grade every mutant of every reference's solution code
#               (`gradwork dev mutants`; hours): target/gradwork/mutants/mutants.md
#   make install-mutants  install the pinned cargo-mutants into target/tools
#   make cuda-check  build against the CUDA libtorch (4.7 GB, once) and check
#               that its CUDA backend registers; needs no GPU

CARGO ?= cargo

.PHONY: setup demo test check lint cuda-check install-mutants mutants

# cargo-mutants, pinned (its operators name the mutants that graders/<id>/mutants.toml
# records): `gradwork dev mutants` only lists its mutants, never runs its tests.
# Installed into the project's target/tools, once; gradwork looks there first.
# A debug build: it only lists mutants (0.4 s for a04), and builds in half the time.
MUTANTS_VERSION := 27.1.0
# Mutants per assignment that `make test` grades (the CI gate of `dev mutants`).
CI_MUTANTS ?= 2
# The gradwork binary `cargo test` has just built: `cargo run` would build it
# (and the library) again, with the features of a build rather than a test's.
GRADWORK_TEST_BIN = $(or $(CARGO_TARGET_DIR),target)/debug/gradwork

setup:
	@command -v python3 >/dev/null 2>&1 || { echo "error: Python 3 is needed to install libtorch: install python3 (and python3-venv), e.g. apt-get install python3 python3-venv" >&2; exit 1; }
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "error: Rust is needed: install it from https://rustup.rs (cargo must be on PATH)" >&2; exit 1; }
	@python3 tools/setup_libtorch.py

demo: setup
	$(CARGO) run --bin gradwork -- demo

test: setup install-mutants
	$(CARGO) test
	$(GRADWORK_TEST_BIN) dev check --mutants $(CI_MUTANTS)

check: test

# `!(x > 0.0)` is how the code says "not above zero, NaN included" on purpose,
# so clippy's neg_cmp_op_on_partial_ord does not apply.
lint: setup
	@$(CARGO) clippy --version >/dev/null 2>&1 || { echo "error: make lint needs clippy: rustup component add clippy" >&2; exit 1; }
	$(CARGO) clippy --workspace --all-targets -- -D warnings -A clippy::neg_cmp_op_on_partial_ord

install-mutants:
	@if [ "$$(target/tools/bin/cargo-mutants mutants --version 2>/dev/null)" = "cargo-mutants $(MUTANTS_VERSION)" ]; then \
		echo "cargo-mutants $(MUTANTS_VERSION) is installed in target/tools"; \
	else \
		$(CARGO) install cargo-mutants --locked --debug --version $(MUTANTS_VERSION) --root target/tools; \
	fi

mutants: setup install-mutants
	$(CARGO) run --bin gradwork -- dev mutants

cuda-check:
	@sh tools/check_cuda_build.sh
