# The two commands: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install run test test-fast lint format typecheck migrations messages bench bench-notifications
.PHONY: bench-webhooks
.PHONY: db-stop clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(VENV)/.installed  ## Create .venv and install the pinned dependencies

# Serves the app with demo data. Without DATABASE_URL an embedded PostgreSQL starts under var/;
# without REDIS_URL Celery tasks run eagerly. With REDIS_URL a worker and beat start too.
run: export DEBUG ?= true
run: install  ## Migrate, load demo data and serve on HOST:PORT (default 127.0.0.1:8000)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	HOST=$(HOST) PORT=$(PORT) bin/serve

# The whole suite on PostgreSQL (DATABASE_URL, else the embedded server) and Redis (REDIS_URL),
# in parallel: one pytest-xdist worker per core (TEST_WORKERS=1 for one process), each with a
# test database of its own (test_<name>_gw0, ...). Locally those databases are kept between
# runs (--reuse-db: a run migrates only what is new); under CI=true they are created fresh.
TEST_WORKERS ?= auto
TEST_DATABASES := $(if $(filter true True TRUE,$(CI)),--create-db,--reuse-db)
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) $(TEST_DATABASES)
# What `make test-fast` leaves out: the browser, integration, benchmark and schemathesis tests.
SLOW_MARKERS := browser or integration or bench or slow

test test-fast: export SECRET_KEY ?= insecure-test-only-key
test test-fast: export ALLOWED_HOSTS ?= testserver,localhost,127.0.0.1
test test-fast: export HTTPS ?= false
test: install  ## Run the whole test suite (what CI runs)
	$(PYTEST) $(PYTEST_ARGS)

test-fast: install  ## The suite without the browser, integration and benchmark tests
	$(PYTEST) -m "not ($(SLOW_MARKERS))" $(PYTEST_ARGS)

lint: install  ## ruff check and format check, and the import contracts (pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install  ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: export DEBUG ?= true
typecheck: install  ## mypy with django-stubs
	$(BIN)/mypy .

migrations: export DEBUG ?= true
migrations: install  ## Make migrations for changed models
	$(MANAGE) makemigrations

messages: export DEBUG ?= true
messages: install  ## Extract translatable strings into locale/ and compile them
	$(MANAGE) makemessages --all --ignore=.venv --ignore=var --ignore=tests --no-obsolete
	$(MANAGE) compilemessages --ignore=.venv

# Benchmarks print figures; they are not tests. Data goes to a separate <name>_bench database.
bench: export DEBUG ?= true
bench: install  ## Seed 100,000 suppliers (in a separate database) and print the benchmark figures
	$(MANAGE) bench_summary --clear
	$(MANAGE) seed_bench --suppliers 100000
	$(MANAGE) bench_suppliers
	$(MANAGE) bench_reports
	$(MANAGE) bench_summary

# Needs REDIS_URL, with no other worker consuming from it: real worker processes drain the rows.
bench-notifications: export DEBUG ?= true
bench-notifications: install  ## Drain 10,000 due notifications through Celery workers (needs REDIS_URL)
	$(MANAGE) bench_notifications --count 10000

# No Redis needed: worker processes run the delivery loop (manage.py deliver_webhooks).
bench-webhooks: export DEBUG ?= true
bench-webhooks: install  ## Deliver 10,000 webhook events to a loopback receiver with 2 worker processes
	$(MANAGE) bench_webhooks --count 10000 --workers 2

db-stop:  ## Stop the embedded PostgreSQL server (it keeps running between commands)
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m srm.embedded_db stop; fi

clean: db-stop  ## Stop the embedded database, remove .venv and var/ (its data too)
	rm -rf $(VENV) var
