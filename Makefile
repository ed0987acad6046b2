# Two commands set everything up on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test bench screenshots clean

$(BIN)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.runtime
	$(BIN)/streamlit run app.py --server.port $(PORT)

test: $(BIN)/.dev
	$(BIN)/python -m pytest -q

bench: $(BIN)/.dev
	$(BIN)/python -m bench

screenshots: $(BIN)/.dev
	$(BIN)/python -m pytest -q tests/e2e -k screenshot

clean:
	rm -rf $(VENV) .pytest_cache artifacts
