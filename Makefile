VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test pdf-libraries browser oidc-provider run migrate test lint openapi bench profile clean fuzz wrk

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test browser oidc-provider axe pdf-libraries

# issue 18: weasyprint draws the PDF documents with Pango (and HarfBuzz, fontconfig, a font); without them
# GET …/documents/…?format=pdf answers 503 and the PDF tests skip, saying why.
pdf-libraries:
	@if ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || ! fc-list 2>/dev/null | grep -q .; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
	      libharfbuzz-subset0 fonts-dejavu-core >/dev/null) \
	      || echo "Pango could not be installed: PDF documents and their tests will be unavailable"; \
	  else echo "no Pango and no apt-get as root to install it: PDF documents and their tests will be unavailable"; fi; \
	fi

# The board's browser tests (tests/test_board_e2e.py) drive Debian's chromium; they skip, saying why,
# where it cannot be installed.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null) \
	      || echo "chromium could not be installed: the browser tests will be skipped"; \
	  else echo "no chromium and no apt-get as root to install it: the browser tests will be skipped"; fi; \
	fi

# issue 16: a real OpenID provider for the sign-in tests (tests/oidc: node-oidc-provider, pinned by its
# package-lock.json); they skip, saying why, where Node.js cannot be had.
oidc-provider: tests/oidc/node_modules/.installed

tests/oidc/node_modules/.installed: tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (npm ci --prefix tests/oidc --no-audit --no-fund --silent && touch $@) \
	    || echo "npm ci failed: the OpenID provider tests will be skipped"; \
	else echo "no Node.js/npm: the OpenID provider tests will be skipped"; fi

# issue 17: axe-core, injected into every board page by tests/test_board_a11y.py (pinned by its
# package-lock.json); those tests skip, saying why, where Node.js cannot be had.
axe: tests/axe/node_modules/.installed

tests/axe/node_modules/.installed: tests/axe/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  (npm ci --prefix tests/axe --no-audit --no-fund --silent && touch $@) \
	    || echo "npm ci failed: the accessibility tests will be skipped"; \
	else echo "no Node.js/npm: the accessibility tests will be skipped"; fi

run: install
	$(BIN)/practice-review serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/practice-review migrate

# The whole suite, PostgreSQL included whenever .ci/find-postgres finds (or can start) a server; it says on
# which, or exactly why the PostgreSQL tests skip (README "Running the tests"). It is spread over the
# machine's cores (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install-test
	$(BIN)/practice-review workflows check
	eval "$$(.ci/find-postgres $(PY))" && $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadgroup

lint: install-test
	$(BIN)/ruff format --check src tests bench migrations examples
	$(BIN)/ruff check src tests bench migrations examples

openapi: install
	$(BIN)/practice-review openapi

# issue 14: schemathesis against a live `serve` process (all operations and phases, stateful links), on SQLite
# and on the PostgreSQL of FUZZ_POSTGRES when it answers; fails on any 5xx or undocumented status code.
FUZZ_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres
FUZZ_EXAMPLES ?= 50
fuzz: install-test
	PRACTICE_REVIEW_FUZZ_POSTGRES_URL=$(FUZZ_POSTGRES) $(PY) -m tests.fuzz --max-examples $(FUZZ_EXAMPLES)

BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# issue 15: wrk loads the service and its floor (bench/floor.py); without it bench/load.py does.
wrk:
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -qq --no-install-recommends wrk >/dev/null 2>&1 \
	      || (apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null)) \
	      || echo "wrk could not be installed: bench/load.py generates the load"; \
	  else echo "no wrk and no apt-get as root to install it: bench/load.py generates the load"; fi; \
	fi

# Both run on PostgreSQL too when the server of BENCH_POSTGRES answers.
bench: $(VENV)/.installed-bench wrk
	if pg_isready -q -d "$(BENCH_POSTGRES)" 2>/dev/null; then \
	  PRACTICE_REVIEW_BENCH_POSTGRES_URL=$(BENCH_POSTGRES) $(PY) bench/run.py; \
	else $(PY) bench/run.py; fi

profile: $(VENV)/.installed-bench
	if pg_isready -q -d "$(BENCH_POSTGRES)" 2>/dev/null; then \
	  PRACTICE_REVIEW_BENCH_POSTGRES_URL=$(BENCH_POSTGRES) $(PY) bench/profile.py; \
	else $(PY) bench/profile.py; fi

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info .pytest_cache .hypothesis
