# E-Planning — the two commands a new user needs: `make up` and `make test` (`make down` stops).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PACKAGES := -e common -e services/musrenbang -e services/pokir -e services/renja -e services/rkpd -e services/gateway
PYPROJECTS := common/pyproject.toml $(wildcard services/*/pyproject.toml)
DEMO_PEMDA ?= 12.21
NOMENKLATUR_VERSI ?= sipd-2027
DEMO_TAHUN ?= 2027
PYTEST_ARGS ?=

.PHONY: up down test unit integration infra install migrate refdata bench help
help:
	@echo "make up     install, start RabbitMQ/PostgreSQL, migrate, load reference data, start the stack"
	@echo "make test   the whole test suite (starts what it needs)"
	@echo "make down   stop the services and the gateway"
	@echo "make bench  benchmarks; results in var/bench/"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (nameko 2.14 + eventlet 0.33)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# reinstall only when a pin or a package definition changed
$(VENV)/.installed: $(BIN)/python requirements/constraints.txt $(PYPROJECTS)
	$(BIN)/pip install -q -c requirements/constraints.txt -r requirements/dev.txt $(PACKAGES)
	@touch $@

install: $(VENV)/.installed

infra:
	@deploy/local/infra.sh

migrate: install infra
	$(BIN)/eplanning-migrate all
	$(BIN)/gateway-migrate
	$(BIN)/eplanning-topology declare

refdata: migrate
	$(BIN)/musrenbang-refdata --pemda $(DEMO_PEMDA)
	$(BIN)/pokir-refdata --pemda $(DEMO_PEMDA)
	$(BIN)/rkpd-refdata --pemda $(DEMO_PEMDA)
	$(BIN)/renja-refdata --versi $(NOMENKLATUR_VERSI) --pemda $(DEMO_PEMDA) --tahun $(DEMO_TAHUN)

up: refdata
	@deploy/local/stack.sh start

down:
	@deploy/local/stack.sh stop

test: install infra
	$(BIN)/python -m pytest $(PYTEST_ARGS)

unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

integration: install infra
	$(BIN)/python -m pytest tests/integration $(PYTEST_ARGS)

# Benchmarks write JSON to var/bench/ (not timed tests; see each script's docstring).
BENCH_USULAN ?= 20000
bench: install infra
	@mkdir -p var/bench
	$(BIN)/python tests/bench/bench_ranking.py --out var/bench/ranking.json
	$(BIN)/python tests/bench/bench_musrenbang.py --usulan $(BENCH_USULAN) --out var/bench/musrenbang.json
	$(BIN)/python tests/bench/bench_rkpd.py --out var/bench/rkpd.json
	$(BIN)/python bench/bench_gateway.py --out var/bench/gateway.json
