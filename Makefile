# Quickstart: `make demo` (install, get EWT, train, evaluate, tag) and `make test`.
VENV ?= .venv
PYTHON ?= python3
# The CPU build of torch 2.13.0; any torch >= 2.2 works (set TORCH=torch to take pip's choice).
TORCH ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: install constraints demo test lint format benchmark model compare compare-quick equal-time figures clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,ray,serve]"
	touch $@

demo: install
	@if [ -z "$$POSATTN_DATA_DIR" ]; then $(BIN)/posattn data download en_ewt; fi
	$(BIN)/posattn train --config configs/ewt.yaml --overwrite
	$(BIN)/posattn eval --model runs/ewt --split test
	$(BIN)/posattn tag --model runs/ewt "I saw a saw"

test: install lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy posattn scripts

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

benchmark: install
	$(BIN)/python scripts/benchmark.py --config configs/ewt.yaml --overwrite

# The model shipped in the package (posattn/shipped/en_ewt): train (seed 1, one thread; a
# finished run in runs/release-en_ewt is reused), evaluate, write. Reproduces the shipped file.
model: install
	$(BIN)/python scripts/release_model.py

compare: install
	$(BIN)/posattn compare --suite configs/compare.yaml

compare-quick: install
	$(BIN)/posattn compare --suite configs/compare.yaml --quick

equal-time: install
	$(BIN)/posattn compare --suite configs/equal-time.yaml

figures: install
	$(BIN)/python scripts/figures.py --model runs/benchmark-ewt --output docs

clean:
	rm -rf runs .pytest_cache .mypy_cache .ruff_cache

# Pin what the venv holds now (after upgrading a dependency on purpose); torch stays in TORCH.
constraints: install
	{ sed -n '1,2p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -iv '^torch=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
