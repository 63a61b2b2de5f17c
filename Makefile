# The verbs people and CI use. `make run` and `make test` work on a fresh machine with Python 3.11+.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install run test test-faults lint audit format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(STAMP)

install: $(STAMP)

run: install  ## start Redis (unless REDIS_URL is set), the API and a worker
	$(BIN)/deep-research dev

test: install  ## the whole suite, against redis-servers the tests start themselves
	$(BIN)/python -m pytest -m "not faults" $(PYTEST_ARGS)

test-faults: install  ## the long fault-injection scenarios
	$(BIN)/python -m pytest -m faults -s $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python tools/audit.py

audit: install  ## known vulnerabilities in the pinned dependencies; says so when it cannot run
	$(BIN)/python tools/audit.py

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install  ## raw arq, SAQ and this service side by side; writes BENCHMARKS.md
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
