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
	@# An editable install leaves crmctl's byte-code to its first run, and a shell with
	@# PYTHONDONTWRITEBYTECODE=1 never writes it: every command would compile the package.
	$(BIN)/python -m compileall -q crmctl
	touch $(BIN)/crmctl

venv: $(BIN)/crmctl

demo: venv
	mkdir -p $(dir $(DEMO_DB))
	$(BIN)/crmctl --db $(DEMO_URL) init --demo --history --admin admin
	@# adresar.xlsx holds two rows that must be rejected: exit 4 is the expected outcome.
	$(BIN)/crmctl --db $(DEMO_URL) --as admin import examples/adresar.xlsx --sheet all \
		--rejects demo/rejects.csv || [ $$? -eq 4 ]
	$(BIN)/crmctl --db $(DEMO_URL) --as admin import list
	$(BIN)/crmctl --db $(DEMO_URL) --as admin companies show 27184315
	$(BIN)/crmctl --db $(DEMO_URL) --as admin contacts list --search dvorak
	$(BIN)/crmctl --db $(DEMO_URL) --as admin timeline company 27184315 --limit 5
	@# The sales history: reports read demo/crmctl.yaml (business hours, commission plan).
	cp examples/crmctl.demo.yaml $(dir $(DEMO_DB))crmctl.yaml
	cd $(dir $(DEMO_DB)) && $(abspath $(BIN))/crmctl --as admin report lead-response --by owner
	cd $(dir $(DEMO_DB)) && $(abspath $(BIN))/crmctl --as admin campaigns list
	cd $(dir $(DEMO_DB)) && $(abspath $(BIN))/crmctl --as admin report campaign
	cd $(dir $(DEMO_DB)) && $(abspath $(BIN))/crmctl --as admin report performance \
		--from $$(date +%Y)-Q$$(( ($$(date +%-m) + 2) / 3 ))
	cd $(dir $(DEMO_DB)) && $(abspath $(BIN))/crmctl --as admin report commissions \
		--from $$(date +%Y)-Q$$(( ($$(date +%-m) + 2) / 3 ))
	@# E-mail (issue 18): a deal for the mail thread to pair to, then the demo mailbox.
	$(BIN)/crmctl --db $(DEMO_URL) --as admin deals show 1 >/dev/null 2>&1 || \
		$(BIN)/crmctl --db $(DEMO_URL) --as admin deals add --title "CNC obráběcí centrum" \
		--company 27184315 --value "2 450 000"
	cd examples/mail && $(abspath $(BIN))/crmctl --db $(DEMO_URL) --as admin mail import demo.mbox
	$(BIN)/crmctl --db $(DEMO_URL) --as admin mail list
	$(BIN)/crmctl --db $(DEMO_URL) --as admin mail why 6
	$(BIN)/crmctl --db $(DEMO_URL) --as admin timeline deal 1 --limit 6

# Two pytest processes, one per core: the suites that mostly start crmctl processes
# (CLI, campaigns, contracts, db) and the rest. Each prints its own summary; the target
# fails when either fails. One process: `.venv/bin/pytest -q`.
CLI_SUITES := tests/cli tests/campaigns tests/contracts tests/db
test: venv
	@log=$$(mktemp); \
	$(BIN)/pytest -q $(CLI_SUITES) > $$log 2>&1 & cli=$$!; \
	$(BIN)/pytest -q $(addprefix --ignore=,$(CLI_SUITES)); rest=$$?; \
	wait $$cli; first=$$?; \
	echo "=== $(CLI_SUITES) ==="; cat $$log; rm -f $$log; \
	test $$first -eq 0 && test $$rest -eq 0

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/address_book.py --generate
	$(BIN)/python bench/import_lists.py
	$(BIN)/python bench/deals.py --generate
	$(BIN)/python bench/tasks.py --generate
	$(BIN)/python bench/workflows.py
	$(BIN)/python bench/permissions.py --generate

clean:
	rm -rf demo $(VENV) bench/data
