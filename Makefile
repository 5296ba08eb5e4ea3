# lobstr-tui: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: test test-fast demo sim screenshots bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check lobstr_tui tests screenshots $(wildcard bench)
	$(BIN)/mypy lobstr_tui
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/contract

demo: $(STAMP)
	$(BIN)/lobstr-tui --demo

sim: $(STAMP)
	$(BIN)/lobstr-tui sim --port 8750

screenshots: $(STAMP)
	$(BIN)/python screenshots/generate.py

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
