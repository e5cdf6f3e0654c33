# Two entry points, each bootstrapping everything from python3 and the package registries:
#   make release   builds the release in dist/ from raw/ and annotations/
#   make test      runs the full test suite (starts a real Label Studio server on 127.0.0.1)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup release test bench labelstudio-env labelstudio postgresql clean

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

# PostgreSQL server binaries for the team-server tests (tests/postgres.py starts its own server on
# loopback): Debian's package, installed when missing and we are root (as CI is); otherwise those
# tests are skipped, saying why.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
	  else echo "no PostgreSQL server binaries and not root: the PostgreSQL tests will be skipped"; fi; }

test: labelstudio-env postgresql
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf build .pytest_cache .hypothesis
