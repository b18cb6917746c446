# The commands of the README: `make demo`, `make test` and `make test-fast`. Everything else they need is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PYTEST_ARGS ?= -n 2

.PHONY: setup demo test test-fast lint typecheck bench browser clean migration

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "ledgerd needs Python 3.11+"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/ledgerd demo

# Debian's Chromium for the browser test (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed (apt-get install chromium); the browser test will say so"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

# The unit tests of the pure modules (tests/unit): no database, one process, a few seconds. `make test` runs them too.
# --confcutdir: tests/conftest.py (the database fixtures, the server, their plugins) is not even imported.
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit -q -n 0 --confcutdir=tests/unit

bench: $(STAMP)
	@for tool in wrk hledger; do command -v $$tool >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$tool >/dev/null; }; done
	for b in bench_auth bench_posting bench_trial_balance bench_list_page; do $(BIN)/python bench/$$b.py || true; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache

# Regenerate the initial migration from the models (allowed until the first release; see docs/architecture.md).
migration: $(STAMP)
	flock $(VENV)/.migration.lock sh -c 'scratch=$$(mktemp -d) && \
	rm -f src/ledgerd/db/migrations/versions/0001_initial_schema.py && \
	$(BIN)/python -c "from alembic import command; from ledgerd.db.migrate import alembic_config as c; \
	command.revision(c(\"sqlite:///$$scratch/schema.sqlite\"), message=\"initial schema\", autogenerate=True, rev_id=\"0001\")" && \
	rm -rf $$scratch && $(BIN)/ruff check --fix -q src/ledgerd/db/migrations || true'
