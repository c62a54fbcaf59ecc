# The two commands a newcomer needs: `make run` and `make test`; `make help` lists every target.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PACKAGE_STAGE ?= prod
BIN := $(VENV)/bin
export PYTHONPATH := $(CURDIR)/layers/core/python:$(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run test lint format gen bench mutants package clean resend-mail import lock

# The layer's lock (requirements.txt) without its hashes is the tools' constraints: the tests run with
# exactly the versions the layer ships, while only the layer is installed in hash-checking mode.
$(BIN)/.installed: requirements.in requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt \
	  -c <(grep -E '^[A-Za-z0-9]' requirements.txt | cut -d' ' -f1)
	touch $@

lock: $(BIN)/.installed  ## rewrite requirements.txt (the layer's lock, with hashes) from requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links \
	  --output-file requirements.txt requirements.in

help:  ## list the targets, one line each (from the comment after each target)
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  make %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# node_modules: Swagger UI's files, which /docs serves.
run: $(BIN)/.installed node_modules/.installed  ## serve the whole API on a local AWS twin at http://127.0.0.1:8000 (PORT=...)
	$(BIN)/python -m infra.local

resend-mail: $(BIN)/.installed  ## send the parked emails again, through the running `make run` server (PORT=...)
	$(BIN)/python -m infra.resend_mail

import: $(BIN)/.installed  ## import every agenda link now, through the running `make run` server (PORT=...)
	$(BIN)/python -m infra.import_now

# -rs: the browser tests say in one line when they are skipped (no Chromium).
test: $(BIN)/.installed node_modules/.installed  ## lint, then every test (unit, api, e2e, browser)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -rs

lint: $(BIN)/.installed  ## ruff: the lint and the format check that make test starts with
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.installed  ## fix what ruff can: imports, lint fixes, formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

gen: $(BIN)/.installed  ## rewrite generated files (OpenAPI document, serverless pieces)
	$(BIN)/python -m infra.generate

bench: $(BIN)/.installed  ## print the benchmarks' figures (cold import, DynamoDB calls, outbox, throughput)
	$(BIN)/python -m bench

# Not part of `make test`: minutes per module, an hour or more for all (README, "Mutation testing").
mutants: $(BIN)/.installed  ## mutation testing (cosmic-ray) of the booking, wallet, cancellation, countermark and auth rules (MODULES="wallets auth")
	$(BIN)/python -m bench.mutants $(MODULES)

# osls (MIT, the maintained fork of the Serverless Framework v3), axe-core and swagger-ui-dist, exactly as locked.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

package: $(BIN)/.installed node_modules/.installed  ## build the artifacts, `osls package` offline, cfn-lint
	$(BIN)/python -m infra.package --stage $(PACKAGE_STAGE)

clean:  ## remove the virtualenv, node_modules and every build output
	rm -rf $(VENV) build .serverless node_modules
