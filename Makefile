# 信访应急指挥台 — the two commands a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-pg check bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	scripts/debian-packages run
	$(PY) -m console migrate
	$(PY) -m console seed-demo
	$(PY) -m console serve --host 127.0.0.1 --port 8000

# Three workers on two cores: most tests wait on servers, sockets and subprocesses rather than compute.
PYTEST_WORKERS ?= 3

# Bytecode caching on for the run, even where the environment turns it off (PYTHONDONTWRITEBYTECODE):
# the console is installed editable, so without it every console process the tests start compiles the
# console again (about 0.3 s of CPU each), and pytest rewrites its plugins' modules in every worker
# (schemathesis alone, about 8 s). The caches go to __pycache__, which git ignores.
test: $(STAMP)
	scripts/debian-packages test
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist worksteal

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	# The tests and the benchmarks, strict too; test modules import their helpers by bare name (support, …).
	MYPYPATH=tests $(VENV)/bin/mypy --explicit-package-bases tests bench

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf var test-artifacts .pytest_cache .mypy_cache .ruff_cache
