# Two entry points, each bootstrapping everything from python3 and the package registries:
#   make release   builds the release in dist/ from raw/ and annotations/
#   make test      runs the full test suite (starts a real Label Studio server on 127.0.0.1)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup release test bench labelstudio-env labelstudio clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

release: $(STAMP)
	$(BIN)/corpus-tools release

# Label Studio pins its own pyarrow and SDK, so it lives in its own virtual environment,
# cached outside the checkout (see `corpus-tools labelstudio server --help`).
labelstudio-env: $(STAMP)
	$(BIN)/corpus-tools labelstudio server install

# A server for annotators; stop it with `corpus-tools labelstudio server stop`.
labelstudio: labelstudio-env
	$(BIN)/corpus-tools labelstudio server start

test: labelstudio-env
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf build .pytest_cache .hypothesis
