# Portal Kinerja — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
# Two stamps: the runtime packages (enough for `make run`), then the test tools on top.
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# Two workers (the machines have two cores); a file's tests stay on one worker.
PYTEST_ARGS ?= -n 2 --dist loadfile
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install install-run constraints run test test-sqlite test-postgres lint audit translations messages benchmark clean

# The exact versions come from constraints.txt (one file for both: the runtime packages
# are a subset of it), so every install gets the same packages.
$(RUN_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(TEST_STAMP)

# What `make run` needs, without the test tools.
install-run: $(RUN_STAMP) translations

# Everything, test tools included: what `make test` and .ci/run use (.ci/run then checks
# the venv against constraints.txt).
install: $(TEST_STAMP) translations

# After changing the dependencies in pyproject.toml: the newest versions they allow, installed
# into a fresh venv and written to constraints.txt (review the diff, then commit it).
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/python -m pip install --quiet -e '.[test]'
	{ sed -n '1,2p' constraints.txt; .venv-constraints/bin/python -m pip freeze --exclude-editable; } \
		> constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

translations: $(RUN_STAMP)
	$(BIN)/pybabel compile --use-fuzzy -d portal/translations -f >/dev/null

# After adding or changing texts: extract them, merge into the catalogs, then translate
# the new entries in portal/translations/en/LC_MESSAGES/messages.po.
messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k _l --sort-by-file \
		--project "Portal Kinerja" -o portal/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i portal/translations/messages.pot -d portal/translations

# HOST and PORT choose the address: `make run HOST=0.0.0.0 PORT=8080`.
run: install-run
	$(FLASK) db upgrade
	$(FLASK) demo-if-empty
	$(FLASK) jobs-revive
	@echo "Portal Kinerja: http://$(HOST):$(PORT)  (alamat lain: make run HOST=0.0.0.0 PORT=8080)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python scripts/audit_deps.py
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$PORTAL_TEST_POSTGRES_URL" ]; then \
		$(MAKE) --no-print-directory test-postgres; \
	else \
		echo "PORTAL_TEST_POSTGRES_URL is not set: the PostgreSQL leg is skipped."; \
	fi

test-sqlite: install
	PORTAL_TEST_DATABASE=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	PORTAL_TEST_DATABASE=postgres $(BIN)/pytest $(PYTEST_ARGS)

# Known vulnerabilities of the venv's packages: warns (exit 0) without network, fails on one.
audit: install
	$(BIN)/python scripts/audit_deps.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Pages against a Flask hello world on gunicorn (uses wrk when installed: apt-get install wrk),
# then the letter and partials, the monitoring pages and the import at scale.
benchmark: install
	$(BIN)/python benchmarks/pages.py
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/monitoring.py
	$(BIN)/python benchmarks/imports.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
