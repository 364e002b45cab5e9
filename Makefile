# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo/crm.db
DEMO_URL := sqlite:///$(abspath $(DEMO_DB))

.PHONY: venv demo test lint bench clean

$(BIN)/crmctl: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/crmctl

venv: $(BIN)/crmctl

demo: venv
	mkdir -p $(dir $(DEMO_DB))
	$(BIN)/crmctl --db $(DEMO_URL) init --demo --admin admin
	$(BIN)/crmctl --db $(DEMO_URL) --as admin companies show 27184315
	$(BIN)/crmctl --db $(DEMO_URL) --as admin contacts list --search dvorak
	$(BIN)/crmctl --db $(DEMO_URL) --as admin timeline company 27184315 --limit 5

test: venv
	$(BIN)/pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/python bench/address_book.py --generate

clean:
	rm -rf demo $(VENV) bench/data
