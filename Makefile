# thuvien: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# What the install is built from: a change to any of them installs again.
INSTALLED_FROM := pyproject.toml setup.py src/thuvien/catalog/marcimport/_iso2709.c
STAMP  := $(VENV)/.installed-$(shell cat $(INSTALLED_FROM) | md5sum | cut -c1-12)
DEBIAN_PACKAGES := chromium tesseract-ocr tesseract-ocr-vie libvips42 yaz gettext fonts-dejavu-core tesseract-ocr-chi-tra fonts-droid-fallback
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-deps run test test-fast bench-search messages clean

$(STAMP): $(INSTALLED_FROM)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# Debian packages for the browser tests, OCR, images and SRU tests (root only).
system-deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install with apt-get:$$missing"; exit 1; fi; \
	fi

run: install
	$(BIN)/thuvien migrate --no-input
	$(BIN)/thuvien demo
	$(BIN)/thuvien serve --bind $(HOST):$(PORT)

test: install system-deps
	$(BIN)/python -m pytest -q -p no:cacheprovider

test-fast: install
	$(BIN)/python -m pytest -q -x -m "not browser"

bench-search: install
	$(BIN)/python bench/search.py

messages: install
	cd src/thuvien && for app in */locale; do (cd $$(dirname $$app) && ../../../$(BIN)/thuvien makemessages -l vi --no-obsolete >/dev/null); done
	cd src/thuvien && ../../$(BIN)/thuvien compilemessages -l vi >/dev/null

clean:
	rm -rf $(VENV) var build *.egg-info
