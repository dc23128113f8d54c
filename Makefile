# Waypoint's commands. `make run` and `make test` are the two the README promises.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per installed extra set, named after pyproject.toml's checksum: editing it, or
# asking for the bench extra for the first time, reinstalls; `bench` installs dev too.
HASH := $(shell cksum < pyproject.toml | cut -d' ' -f1)
STAMP := $(VENV)/.installed-$(HASH)-dev
BENCH_STAMP := $(VENV)/.installed-$(HASH)-bench
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json | cksum | cut -d' ' -f1)
PORT ?= 5000

export WAYPOINT_TEST_DATABASE_URL ?= postgresql://localhost/test
export WAYPOINT_TEST_REDIS_URL ?= redis://localhost:6379/0

.PHONY: run test test-bench lint bench chaos nodes vendor clean translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

$(BENCH_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	rm -f $(VENV)/.installed-*
	touch $@ $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

## run: the app with a worker and beat; SQLite and a SQLite broker unless configured
run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m api.devserver

## test: the whole suite against PostgreSQL and Redis, but the benchmark harness (test-bench);
# node_modules too: HL7's FHIR R4 JSON schema that tests/support/fhir.py reads
test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest -m "not bench" $(PYTEST_ARGS)

## test-bench: the benchmark harness's own test (tests/bench), with the bench extra
test-bench: $(BENCH_STAMP)
	$(BIN)/python -m pytest -m bench $(PYTEST_ARGS)

## lint: ruff for Python; eslint and prettier for pwa/ (pinned in package.json)
lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check api worker surveys tests bench
	$(BIN)/ruff format --check api worker surveys tests bench
	npx eslint pwa eslint.config.js
	npx prettier --check pwa eslint.config.js

## translations: extract the server's marked words, update each catalog, compile it (commit
## the .po and .mo: api/i18n.py says why; tests/api/test_translations.py checks both)
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext --no-location --sort-output -o api/translations/messages.pot .
	$(BIN)/pybabel update -i api/translations/messages.pot -d api/translations -D messages --no-fuzzy-matching
	$(BIN)/pybabel compile -d api/translations -D messages

## bench: each figure beside its floor (bench/README.md); BENCH_ARGS="--quick" on a small machine
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## chaos: a bounded soak under faults, verified for loss (bench/README.md); CHAOS_ARGS="--short" in CI
chaos: $(BENCH_STAMP)
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)

## nodes: the reference production layout (two web and two worker nodes, PostgreSQL and Redis
## on a fifth, each in its own network namespace) under load and node loss; needs root (bench/nodes.py)
nodes: $(BENCH_STAMP)
	$(BIN)/python -m bench.nodes $(NODES_ARGS)

## vendor: refresh the browser libraries in pwa/vendor/ from the npm registry (pinned)
CHARTJS_VERSION := 4.5.1
AXE_VERSION := 4.11.1
vendor:
	rm -rf .vendor-tmp && mkdir -p .vendor-tmp pwa/vendor
	cd .vendor-tmp && npm pack --silent chart.js@$(CHARTJS_VERSION) axe-core@$(AXE_VERSION) >/dev/null
	mkdir .vendor-tmp/chart .vendor-tmp/axe
	tar -xzf .vendor-tmp/chart.js-$(CHARTJS_VERSION).tgz -C .vendor-tmp/chart
	tar -xzf .vendor-tmp/axe-core-$(AXE_VERSION).tgz -C .vendor-tmp/axe
	cp .vendor-tmp/chart/package/dist/chart.umd.min.js pwa/vendor/chart.umd.min.js
	cp .vendor-tmp/chart/package/LICENSE.md pwa/vendor/chart.js.LICENSE.md
	cp .vendor-tmp/axe/package/axe.min.js pwa/vendor/axe.min.js
	cp .vendor-tmp/axe/package/LICENSE pwa/vendor/axe-core.LICENSE
	cp .vendor-tmp/axe/package/LICENSE-3RD-PARTY.txt pwa/vendor/axe-core.LICENSE-3RD-PARTY.txt
	printf 'chart.js %s\naxe-core %s\n' $(CHARTJS_VERSION) $(AXE_VERSION) > pwa/vendor/VERSIONS
	rm -rf .vendor-tmp

clean:
	rm -rf $(VENV) node_modules instance *.egg-info build
