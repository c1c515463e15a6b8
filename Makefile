# make run    the embedded default: SQLite, demo data, http://127.0.0.1:$(PORT)/
# make test   the tests on SQLite; again on PostgreSQL when IDEAS_TEST_DATABASE_URL is set
# make lint   ruff check and ruff format --check

PORT ?= 5000
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
AXE := tests/browser/node_modules/.installed
OIDC := tests/oidc/node_modules/.installed

.PHONY: run test lint translations bench

# Links in e-mails point at the server make run starts, unless told otherwise.
run: export IDEAS_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(BIN)/ideas db upgrade
	$(BIN)/ideas demo --if-empty
	$(BIN)/ideas serve --port $(PORT)

# The SQLite run sees neither test database nor test broker: it is the embedded path.
test: $(VENV)/.installed-dev $(AXE) $(OIDC)
	@status=0; \
	echo "== tests on SQLite"; \
	env -u IDEAS_TEST_DATABASE_URL -u IDEAS_TEST_BROKER_URL $(BIN)/pytest -m "not services" $(PYTEST_ARGS) || status=1; \
	if [ -n "$${IDEAS_TEST_DATABASE_URL:-}" ]; then \
		echo "== tests on $${IDEAS_TEST_DATABASE_URL%%:*}"; \
		$(BIN)/pytest -m "not services" $(PYTEST_ARGS) || status=1; \
	fi; \
	exit $$status

# axe-core, which the browser tests inject to check accessibility (from the npm registry).
$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; \
	else \
		echo "npm not found: the accessibility tests will be skipped"; \
	fi

# oidc-provider, the real OpenID Connect provider the single sign-on tests start.
$(OIDC): tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/oidc --no-audit --no-fund --silent && touch $@; \
	else \
		echo "npm not found: the single sign-on tests will be skipped"; \
	fi

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Installing is skipped while pyproject.toml is unchanged (the install is editable,
# so code changes need none).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

# After changing user-facing text: extract it, merge it into the Swedish catalogue
# (translate what is new in ideas/translations/sv/LC_MESSAGES/messages.po), compile.
translations: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
		--project ideas --copyright-holder "the ideas authors" -o ideas/translations/messages.pot .
	$(BIN)/pybabel update -i ideas/translations/messages.pot -d ideas/translations \
		--no-fuzzy-matching --ignore-obsolete --width 100
	$(BIN)/pybabel compile -d ideas/translations

# The benchmark (not part of make test; bench/README.md): loads ideas_bench on the
# PostgreSQL at BENCH_DATABASE_URL once, then measures and writes bench/RESULTS.md.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/load.py --if-empty
	$(BIN)/python -m bench.run
