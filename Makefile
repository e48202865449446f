# The two quick-start commands: `make demo` and `make test`. Both create or refresh the
# local virtualenv (.venv) first, so they work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test lint bench bench-maritime bench-screening bench-assessment bench-investigations \
	bench-api bench-api-yente-schema bench-web bench-sharing bench-smoke assets clean

# pip's output goes to .venv/install.log and is shown only when the install fails.
$(STAMP): pyproject.toml
	@echo "installing Watchkeeper and its dependencies into $(VENV) (a few minutes on a fresh machine; log: $(VENV)/install.log)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@( $(BIN)/python -m pip install --quiet --upgrade pip && \
	   $(BIN)/python -m pip install --quiet -e '.[dev]' ) > $(VENV)/install.log 2>&1 \
	  || { tail -n 40 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)
	@echo "installed"

# The workbench's front-end files: npm packages locked by package-lock.json, copied into
# src/watchkeeper/web/static/vendor (git-ignored) by the app's own build step.
ASSETS := src/watchkeeper/web/static/vendor/.built
$(ASSETS): package.json package-lock.json src/watchkeeper/web/assets.yaml $(STAMP)
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	command -v npm >/dev/null || { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m watchkeeper.web.assets build

assets: $(ASSETS)

# The browser tests drive Debian's Chromium, installed here when missing (never a browser
# downloaded by a test tool).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null

# The demo workspace (theater dataset, simulated shuttle and its logins, all made by
# `watchkeeper demo`, and the real lists given as DEMO_LISTS="consolidated.xml sdn.csv ..."),
# then the workbench on http://127.0.0.1:8080 until Ctrl-C when run from a terminal; from a script (no terminal
# on stdin, so that `make demo && make test` goes on) it prepares, says how, and ends.
# DEMO_SERVE=1 / DEMO_SERVE=0 decide either way.
DEMO_LISTS ?=
DEMO_SERVE ?= auto
demo: $(STAMP) $(ASSETS)
	$(BIN)/watchkeeper demo
	@for f in $(DEMO_LISTS); do \
	  case "$$f" in *.csv) kind=ofac-csv;; *sdn*.xml|*SDN*.xml) kind=ofac-xml;; *.xml) kind=un-xml;; *.json|*.jsonl) kind=ftm;; *) echo "demo: unknown list format: $$f" >&2; exit 2;; esac; \
	  $(BIN)/watchkeeper import $$kind "$$f" || exit 2; \
	done
	@echo "the workbench: http://127.0.0.1:8080 (log in as analyst, password watchkeeper-demo)"
	@serve="$(DEMO_SERVE)"; if [ "$$serve" = auto ]; then if [ -t 0 ]; then serve=1; else serve=0; fi; fi; \
	if [ "$$serve" = 0 ]; then echo "not served now: $(BIN)/watchkeeper serve --port 8080 (or make demo DEMO_SERVE=1)"; \
	else exec $(BIN)/watchkeeper serve --port 8080; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

# The whole suite, on SQLite and on a throwaway PostgreSQL server started for the run.
test: $(STAMP) $(ASSETS) $(CHROMIUM) lint
	bash scripts/ensure-pdf-libs.sh
	# the benchmarks' smoke run (marker `bench`) is `make bench-smoke`, which CI runs after
	# this: with the two benchmark virtualenvs it builds, it would take the suite past 20 min
	bash scripts/with-postgres.sh $(BIN)/python -m pytest -n 2 -m 'not bench' $(PYTEST_ARGS)

bench: $(STAMP)
	bash scripts/with-postgres.sh $(BIN)/python bench/run.py $(BENCH_ARGS)

# Maritime: ingest and detectors at 1 M and 10 M positions (BENCH_ARGS=--full: 100 M),
# beside MovingPandas, which lives in a virtualenv of its own (bench/maritime/.venv; its
# GeoPandas stack never enters ours) and is compared by its output as well as its speed.
MPD_VENV := bench/maritime/.venv
$(MPD_VENV)/.installed-stamp:
	test -x $(MPD_VENV)/bin/python || $(PYTHON) -m venv $(MPD_VENV)
	$(MPD_VENV)/bin/python -m pip install --quiet movingpandas==0.23.0 pyarrow
	touch $@

bench-maritime: $(STAMP) $(MPD_VENV)/.installed-stamp
	$(BIN)/python bench/maritime/run.py $(BENCH_ARGS)

# Screening: accuracy and speed beside nomenklatura's logic-v2, logic-v1 and name-based
# (BENCH_ARGS=--quick for a short run). nomenklatura pins an older DuckDB than ours, so it
# lives in its own virtualenv with Watchkeeper installed beside it; HTTP load comes from
# wrk (Debian's package).
BENCH_VENV := bench/screening/.venv
$(BENCH_VENV)/.installed-stamp: pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet -e . nomenklatura==4.17.4 "faker>=30"
	touch $@

bench-screening: $(BENCH_VENV)/.installed-stamp
	command -v wrk >/dev/null || ((apt-get update -qq && apt-get install -y -q wrk) || (sudo apt-get update -qq && sudo apt-get install -y -q wrk))
	$(BENCH_VENV)/bin/python bench/screening/run.py $(BENCH_ARGS)

# Assessment: time to build and render the monitoring report (HTML and PDF) for one year
# of the demo workspace and for a workspace of 1 M entities (BENCH_ARGS=--quick: demo only).
bench-assessment: $(STAMP)
	bash scripts/report-libs.sh
	$(BIN)/python bench/assessment/run.py $(BENCH_ARGS)

# Investigations: xref, paths to sanctioned entities and the 50 % rule at 1 M entities on
# SQLite and PostgreSQL (BENCH_ARGS="--entities 100000" for less), and xref beside
# nomenklatura's (in the screening benchmark's virtualenv, when `make bench-screening`
# made it); first the labelled UN↔OFAC sample scored by ours and by nomenklatura's xref
# scorer (nomenklatura alone in bench/investigations/.venv; BENCH_ARGS=--sample-only for
# that part alone).
NK_VENV := bench/investigations/.venv
bench-investigations: $(STAMP)
	test ! -x $(BENCH_VENV)/bin/python || $(BENCH_VENV)/bin/python -m pip install --quiet -e .
	test -x $(NK_VENV)/bin/python || ($(PYTHON) -m venv $(NK_VENV) && $(NK_VENV)/bin/python -m pip install --quiet nomenklatura==4.17.4)
	bash scripts/with-postgres.sh $(BIN)/python bench/investigations/run.py $(BENCH_ARGS)

# API under load: 50 clients while an import runs, then over-limit requests, on SQLite and
# a throwaway PostgreSQL (BENCH_ARGS="--seconds 30" for a short run).
bench-api: $(STAMP)
	bash scripts/with-postgres.sh $(BIN)/python bench/api/run.py $(BENCH_ARGS)

# yente's own OpenAPI schema against `watchkeeper serve`. yente (from PyPI) brings
# Elasticsearch clients, so it lives in its own virtualenv, never in ours.
API_BENCH_VENV := bench/api/.venv
bench-api-yente-schema: $(STAMP)
	test -x $(API_BENCH_VENV)/bin/python || $(PYTHON) -m venv $(API_BENCH_VENV)
	$(API_BENCH_VENV)/bin/python -m pip install --quiet yente==5.5.0 'schemathesis>=4.3,<5'
	$(API_BENCH_VENV)/bin/python bench/api/yente_schema.py

# Partner sharing (issue 23): a 100,000-object STIX export and import, and TAXII paging
# beside medallion (a dev extra) on the same bundle. BENCH_ARGS=--quick: under a minute.
bench-sharing: $(STAMP)
	$(BIN)/python bench/sharing/run.py $(BENCH_ARGS)

# The workbench under 50 concurrent clients (wrk, Debian's package) on the demo workspace with
# the real UN and OFAC lists (from ../shared) and on one with 1 M entities (BENCH_ARGS="--sizes 0"
# for the demo alone).
bench-web: $(STAMP) $(ASSETS)
	command -v wrk >/dev/null || ((apt-get update -qq && apt-get install -y -q wrk) || (sudo apt-get update -qq && sudo apt-get install -y -q wrk))
	$(BIN)/python bench/web/run.py $(BENCH_ARGS)

# Every benchmark section on tiny inputs, in a few minutes (bench/smoke.py: each
# bench/<section>/run.py and bench/run.py run with --smoke; bench/README.md "Smoke runs").
# tests/test_bench_smoke.py runs this, so that no benchmark stops working unseen. The first
# run builds the two benchmark virtualenvs (nomenklatura's, MovingPandas').
bench-smoke: $(STAMP) $(BENCH_VENV)/.installed-stamp $(MPD_VENV)/.installed-stamp
	command -v wrk >/dev/null || ((apt-get update -qq && apt-get install -y -q wrk) || (sudo apt-get update -qq && sudo apt-get install -y -q wrk))
	$(BIN)/python bench/smoke.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BENCH_VENV) $(MPD_VENV) $(API_BENCH_VENV) node_modules src/watchkeeper/web/static/vendor .watchkeeper .pytest_cache .mypy_cache .ruff_cache
