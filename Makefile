# Two entry points, each bootstrapping everything from python3 and the package registries:
#   make release   builds the release in dist/ from raw/ and annotations/
#   make test      runs the full test suite (starts a real Label Studio server on 127.0.0.1)
# Both install the exact versions of requirements.lock: a release's bytes depend on the pyarrow
# that writes it, and every release records the versions that built it (build-info.json).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

LOCK   := requirements.lock

.PHONY: setup release test bench labelstudio-env labelstudio browser postgresql compat-env lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@

# The pinned versions again (a no-op when they are installed): the venv may have been changed by hand.
release: $(STAMP)
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/corpus-tools release

# Regenerate the locks after changing dependencies in pyproject.toml (then rebuild: `make setup`).
# The datasets floor's lock takes the libraries published by the day datasets 3.0.0 was.
lock: $(STAMP)
	$(BIN)/python -m uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 -o $(LOCK)
	$(BIN)/python -m uv pip compile tests/compat/datasets-floor.in --universal --python-version 3.11 \
		--exclude-newer 2024-09-12 -o tests/compat/datasets-floor.lock

# The oldest datasets the package claims, in its own cached venv (tests/compat_env.py).
compat-env: $(STAMP)
	$(BIN)/python tests/compat_env.py

# Label Studio pins its own pyarrow and SDK, so it lives in its own virtual environment,
# cached outside the checkout (see `corpus-tools labelstudio server --help`).
labelstudio-env: $(STAMP)
	$(BIN)/corpus-tools labelstudio server install

# A server for annotators; stop it with `corpus-tools labelstudio server stop`.
labelstudio: labelstudio-env
	$(BIN)/corpus-tools labelstudio server start

# Headless Chromium from Debian's packages for the browser tests (tests/conftest.py, chromium): installed
# when missing and we are root; otherwise the browser tests skip and say why. Never a browser
# download of a test tool's own (`playwright install`): the machines reach package registries only.
# The emoji font makes the fixtures' emoji render as glyphs, not boxes, in tests and screenshots.
BROWSER_FILES := /usr/bin/chromium /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf

browser:
	@if ls $(BROWSER_FILES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium, chromium-driver and fonts-noto-color-emoji from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-color-emoji >/dev/null; \
	else echo "note: cannot install chromium or the emoji font here (not root or no apt-get); without /usr/bin/chromium the browser tests skip"; fi


# PostgreSQL server binaries for the team-server tests (tests/postgres.py starts its own server on
# loopback): Debian's package, installed when missing and we are root (as CI is); otherwise those
# tests are skipped, saying why.
postgresql:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; \
	  else echo "no PostgreSQL server binaries and not root: the PostgreSQL tests will be skipped"; fi; }


test: labelstudio-env browser postgresql compat-env
	$(BIN)/python -m pytest

# as root, the page cache is dropped once first: see bench/run.py (memory depends on it)
bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(filter 0,$(shell id -u)),--drop-caches)

clean:
	rm -rf build .pytest_cache .hypothesis
