# sysfix.hardening: one entry point for set-up, the demo and the tests.
# Every target sets up what it needs (run as root on Debian 12):
#   make demo   harden two test containers and print the compliance summary
#   make test   lint, sanity, unit tests and every Molecule scenario
SHELL := /bin/bash
.DEFAULT_GOAL := help

REPO := $(CURDIR)
VENV := $(REPO)/.venv
export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(REPO)/.cache/collections
export MOLECULE_GLOB := molecule/*/molecule.yml
export ANSIBLE_FORCE_COLOR ?= 0
export PY_COLORS ?= 0

SCENARIOS := $(sort $(notdir $(patsubst %/molecule.yml,%,$(wildcard molecule/*/molecule.yml))))

.PHONY: help setup venv engine images demo demo-clean test lint sanity unit integration molecule \
        $(addprefix molecule-,$(SCENARIOS)) build lock clean

help:
	@echo "make demo        harden two containers (Debian 12 mail, Debian 13 web) and print compliance"
	@echo "make test        lint + sanity + unit + every Molecule scenario ($(SCENARIOS))"
	@echo "make molecule-X  one Molecule scenario; make lint|sanity|unit|integration for one stage"
	@echo "make demo-clean  remove the demo containers"

setup: venv engine images

venv:
	@scripts/bootstrap.sh

engine:
	@scripts/ensure-docker.sh

# An image named in SYSFIX_IMAGE_DEBIAN12/13 is the user's own: not built here.
images: engine
	@targets="$(if $(SYSFIX_IMAGE_DEBIAN12),,debian12) $(if $(SYSFIX_IMAGE_DEBIAN13),,debian13)"; \
	if [ -n "$${targets// /}" ]; then scripts/build-images.sh $$targets; \
	else echo "images: using $(SYSFIX_IMAGE_DEBIAN12) and $(SYSFIX_IMAGE_DEBIAN13)"; fi

demo: setup
	@scripts/demo.sh

demo-clean:
	@docker rm -f sysfix-demo-mail1 sysfix-demo-web1 >/dev/null 2>&1 || true

test: setup
	@scripts/test.sh

lint: venv
	@scripts/test.sh lint

sanity: venv
	@scripts/test.sh sanity

unit: venv
	@scripts/test.sh unit

integration: venv
	@scripts/test.sh integration

molecule: setup
	@scripts/test.sh molecule

$(addprefix molecule-,$(SCENARIOS)): molecule-%: setup
	molecule test -s $*

# Build the collection tarball into .cache/build.
build: venv
	ansible-galaxy collection build --force --output-path .cache/build .

# Re-make requirements.txt from requirements.in in a throw-away venv.
lock:
	rm -rf .cache/lock-venv && python3 -m venv .cache/lock-venv
	.cache/lock-venv/bin/pip install --quiet -r requirements.in
	{ echo "# Full pinned lock of requirements.in for Python 3.11 (pip freeze of a fresh venv)."; \
	  echo "# Regenerate with: make lock"; \
	  .cache/lock-venv/bin/pip freeze --all --exclude pip --exclude setuptools --exclude wheel; } > requirements.txt
	rm -rf .cache/lock-venv

clean: demo-clean
	rm -rf .cache .venv
