VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test run migrate test lint openapi bench profile clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(BIN)/practice-review serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/practice-review migrate

test: install-test
	$(BIN)/practice-review workflows check
	$(BIN)/pytest -q

lint: install-test
	$(BIN)/ruff format --check src tests bench migrations examples
	$(BIN)/ruff check src tests bench migrations examples

openapi: install
	$(BIN)/practice-review openapi

BENCH_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

# Both run on PostgreSQL too when a server answers on 127.0.0.1:5432.
bench: $(VENV)/.installed-bench
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  PRACTICE_REVIEW_BENCH_POSTGRES_URL=$(BENCH_POSTGRES) $(PY) bench/run.py; \
	else $(PY) bench/run.py; fi

profile: $(VENV)/.installed-bench
	if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  PRACTICE_REVIEW_BENCH_POSTGRES_URL=$(BENCH_POSTGRES) $(PY) bench/profile.py; \
	else $(PY) bench/profile.py; fi

clean:
	rm -rf $(VENV) *.egg-info src/*.egg-info .pytest_cache .hypothesis
