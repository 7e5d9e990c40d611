# LSTM Lab: `make run` serves the app, `make test` runs every test. Both set everything up first.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PORT ?= 8501

.PHONY: run test lint unit bench clean

$(STAMP): requirements.txt requirements-dev.txt requirements-forecasting.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-forecasting.txt  # see the file's header
	touch $(STAMP)

# The browser tests need Debian's Chromium; install it once with apt.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

run: $(STAMP)
	$(BIN)/streamlit run app/streamlit_app.py --server.port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/hadolint Dockerfile

test: $(STAMP) $(CHROMIUM) lint
	LSTMLAB_NO_SKIPS=1 $(BIN)/python -m pytest

unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit -m "not slow"

# Benchmarks print one line per figure with its ratio against the seed article's programs (or its
# target); 25-35 minutes in all. Not part of `make test`. See README "Benchmarks".
bench: $(STAMP)
	$(BIN)/python bench/airline_vs_reference.py
	$(BIN)/python bench/digits_vs_reference.py
	$(BIN)/python bench/app_speed.py
	$(BIN)/python bench/jobs_bench.py
	$(BIN)/python bench/concurrent_sessions.py
	$(BIN)/python bench/forecast_evaluation.py
	$(BIN)/python bench/statistical_baselines.py
	$(BIN)/python bench/airline_default.py
	$(BIN)/python bench/scaling.py
	$(BIN)/python bench/digits_quick.py
	$(BIN)/python bench/hostile_reads.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
