# torture_stats: `make build` (raw -> processed -> figures) and `make test`.
# Both create the virtual environment .venv on first use, from pyproject.toml
# with the exact versions in constraints.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: build figures test lint notebooks clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/torture-stats build

figures: build

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

notebooks: $(STAMP)
	$(BIN)/jupytext --sync notebooks/*.py

clean:
	rm -rf $(VENV) data/processed/*.csv data/processed/*.parquet data/processed/*.json data/processed/*.md reports/figures/*.*
