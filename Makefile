# Waypoint's commands. `make run` and `make test` are the two the README promises.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
PORT ?= 5000

export WAYPOINT_TEST_DATABASE_URL ?= postgresql://localhost/test
export WAYPOINT_TEST_REDIS_URL ?= redis://localhost:6379/0

.PHONY: run test lint bench vendor clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

## run: the app with a worker and beat; SQLite and a SQLite broker unless configured
run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m api.devserver

## test: the whole suite against PostgreSQL and Redis
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check api worker surveys tests bench
	$(BIN)/ruff format --check api worker surveys tests bench

bench: $(STAMP)
	@echo "No benchmark exists yet (issue: benchmarks). Nothing measured."

clean:
	rm -rf $(VENV) instance *.egg-info
