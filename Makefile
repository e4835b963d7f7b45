# Two commands do everything on a fresh machine:  make run  and  make test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO_DB := data/demo.duckdb
DB := $(if $(SHNOR_DB),$(SHNOR_DB),$(DEMO_DB))
PORT ?= 8501
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps test-deps chromium libreoffice demo bench clean

$(VENV)/.deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.test-deps: $(VENV)/.deps requirements-test.txt
	$(PY) -m pip install -q -r requirements-test.txt
	touch $@

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps chromium libreoffice

chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# the Word documents are rendered to PDF and PNG in the tests (LibreOffice without a GUI) and the fonts they use
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends libreoffice-writer-nogui fonts-liberation fonts-dejavu-core poppler-utils; }

$(DEMO_DB): | $(VENV)/.deps
	$(PY) -m shnor --db $(DEMO_DB) demo

demo: $(VENV)/.deps
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	$(PY) -m shnor --db $(DEMO_DB) demo

run: $(VENV)/.deps
	@if [ -z "$(SHNOR_DB)" ] && [ ! -f $(DEMO_DB) ]; then echo "Строю демонстрационный регион (первый запуск)…"; $(PY) -m shnor --db $(DEMO_DB) demo; fi
	@$(PY) -m shnor --db $(DB) user ensure-admin
	SHNOR_DB=$(DB) $(VENV)/bin/streamlit run app.py --server.port $(PORT)

test: test-deps
	$(PY) -m pytest -q

bench: $(VENV)/.test-deps
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b; done

clean:
	rm -rf tests/artifacts .pytest_cache
