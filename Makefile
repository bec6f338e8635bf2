# Every target makes its own virtual environment first, so a fresh clone needs only `make run`
# or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test lint format check vectors eval eval-real frontier bench clean

# Settings from .env (KEY=value lines, no quotes; see .env.example), if there is one.
-include .env
export

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)  ## serve Telegram with TELEGRAM_BOT_TOKEN, otherwise chat in the terminal
	$(BIN)/python -m bot run

chat: $(STAMP)  ## the bot in the terminal, no token needed
	$(BIN)/python -m bot chat

test: $(STAMP)  ## lint, knowledge-base check and the whole test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m bot check
	$(BIN)/python -m pytest

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check: $(STAMP)
	$(BIN)/python -m bot check

vectors: $(STAMP)  ## store the sentence vectors of new or changed examples, and the regression
	$(BIN)/python -m bot vectors

eval: $(STAMP)
	$(BIN)/python -m bot eval tests/data/dev.yaml

# The real-wording set lives beside the project (../shared/data; ../../shared/data from a git
# work tree), never inside it. Exported, so the tests that measure on it find it too.
REAL_QUESTIONS ?= $(firstword $(wildcard ../shared/data/real-questions.yaml \
	../../shared/data/real-questions.yaml))

eval-real: $(STAMP)  ## held-out part of the real-wording set; PART=tuning|all, MATCHER=fused
	$(BIN)/python -m bot eval $(REAL_QUESTIONS) --part $(or $(PART),heldout)

frontier: $(STAMP)  ## right against wrong per answer threshold, tuning part (PART=heldout only to measure)
	$(BIN)/python benchmarks/frontier.py $(REAL_QUESTIONS) --part $(or $(PART),tuning)

bench: $(STAMP)
	$(BIN)/python benchmarks/matching.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
