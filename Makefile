# Two entry points, each bootstrapping everything from python3 and the package registries:
#   make release   builds the release in dist/ from raw/ and annotations/
#   make test      runs the full test suite (starts a real Label Studio server on 127.0.0.1)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup release test bench labelstudio-env labelstudio browser postgresql clean

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


test: labelstudio-env browser postgresql
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf build .pytest_cache .hypothesis
