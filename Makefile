# PakJePlekje — `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make prod-local` listens on 8080 unless PORT is given (`make prod-local PORT=9000`)
PROD_PORT := $(if $(filter command line environment,$(origin PORT)),$(PORT),8080)
PORT   ?= 3000
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)

# Reflex needs bun or Node >= 22.22. Use what the machine has; otherwise put bun from the
# npm registry into .tools/ (git-ignored) and tell reflex to use it instead of downloading one.
NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=22)?0:1)' 2>/dev/null && echo yes)
SYSTEM_BUN := $(shell command -v bun 2>/dev/null)
ifneq ($(SYSTEM_BUN),)
  JS_RUNTIME :=
  RX_ENV := REFLEX_USE_SYSTEM_BUN=1
else ifeq ($(NODE_OK),yes)
  JS_RUNTIME :=
  RX_ENV :=
else
  JS_RUNTIME := .tools/node_modules/.bin/bun
  RX_ENV := PATH="$(CURDIR)/.tools/node_modules/.bin:$$PATH" REFLEX_USE_SYSTEM_BUN=1
endif
RX_ENV += REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false PORT=$(PORT)
export RX_ENV

.PHONY: run dev test faults bench lint format migrate install clean prod-local

install: $(STAMP) $(JS_RUNTIME)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	rm -f $(VENV)/.installed-* && touch $@

.tools/node_modules/.bin/bun:
	npm install --prefix .tools --no-audit --no-fund --loglevel=error bun
	# npm may skip bun's postinstall; `bun --version` proves the binary runs.
	$@ --version

migrate: $(STAMP)
	$(BIN)/python -m pakjeplekje migrate

run: install migrate
	$(BIN)/python -m pakjeplekje seed-demo
	@echo "PakJePlekje start op http://localhost:$(PORT)  (dev-mail: http://localhost:$(PORT)/dev/mail)"
	env $(RX_ENV) $(BIN)/reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT)

dev: install migrate
	$(BIN)/python -m pakjeplekje seed-demo
	env $(RX_ENV) $(BIN)/reflex run

test: install
	env $(RX_ENV) $(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault suite alone (it also runs in `make test`): real workers, own Redis, fake providers.
faults: install
	env $(RX_ENV) $(BIN)/python -m pytest tests/faults tests/test_provider_outage.py tests/test_sms_rate.py \
		tests/browser/test_app_process_loss.py $(PYTEST_ARGS)

# The production layout on this machine (README "Productie"): nginx on PORT in front of APPS
# app processes and WORKERS huey workers, on PostgreSQL and Redis; Ctrl-C stops it all.
APPS         ?= 2
WORKERS      ?= 1
DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/pakjeplekje
REDIS_URL    ?= redis://127.0.0.1:6379/0
prod-local: install
	env $(RX_ENV) DATABASE_URL=$(DATABASE_URL) REDIS_URL=$(REDIS_URL) \
	  $(BIN)/python -m deploy.stack run --apps $(APPS) --workers $(WORKERS) --port $(PROD_PORT)

bench: install
	$(BIN)/python -m bench

# mypy (files and per-package strictness in pyproject.toml [tool.mypy]) runs last, the slowest:
# ~20 s of CPU on a cold .mypy_cache, as in CI (mostly SQLAlchemy's, Stripe's and SQLModel's
# types), under a second warm. Type errors fail `make lint` like lint errors do.
lint: $(STAMP)
	$(BIN)/ruff check pakjeplekje tests bench deploy alembic rxconfig.py
	$(BIN)/ruff format --check pakjeplekje tests bench deploy alembic rxconfig.py
	# The layer rules of README "Architecture", as import-linter contracts (pyproject.toml).
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix pakjeplekje tests bench deploy alembic rxconfig.py
	$(BIN)/ruff format pakjeplekje tests bench deploy alembic rxconfig.py

clean:
	rm -rf .web .states $(VENV) .tools
