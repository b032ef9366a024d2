# pyauth — `make test` and `make run` are all a newcomer needs: on a fresh Debian machine
# they install the system libraries, create .venv, build the C++ core and run.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
JOBS ?= 2
WERROR ?= $(if $(CI),ON,OFF)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := build-essential cmake pkg-config libssl-dev libsodium-dev libsimdjson-dev \
                libgtest-dev libbenchmark-dev python3-venv
CORE_SOURCES := CMakeLists.txt pyproject.toml $(shell find cpp -type f -name '*.[ch]pp' 2>/dev/null)
CPP_BUILD := build/cpp

.PHONY: help deps venv build test test-cpp test-py lint bench run clean postgres redis node

help:
	@echo "make test   build everything and run the C++ and Python suites"
	@echo "make run    serve the reference backend (django_app)"
	@echo "make bench  benchmarks against PyJWT, joserfc, pyotp, argon2-cffi, Django, simplejwt"
	@echo "make lint   ruff and mypy --strict"

# System libraries from Debian, installed only when one is missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

# The virtual environment with the build backend and the test, bench and lint tools.
$(VENV)/.stamp-deps: pyproject.toml | deps
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install "scikit-build-core>=0.10" "pybind11>=2.13"
	$(PY) -c 'import tomllib; d = tomllib.load(open("pyproject.toml", "rb"))["project"]; \
	  print("\n".join(d["dependencies"] + [r for k in ("app", "test", "bench", "dev") for r in d["optional-dependencies"][k]]))' \
	  > $(VENV)/requirements.txt
	$(PIP) install -r $(VENV)/requirements.txt
	touch $@

venv: $(VENV)/.stamp-deps

# pyauth installed editable: Python files from the tree, pyauth._core built by
# scikit-build-core in build/ (incrementally on every later `make`).
$(VENV)/.stamp-build: $(VENV)/.stamp-deps $(CORE_SOURCES)
	PYAUTH_WERROR=$(WERROR) CMAKE_BUILD_PARALLEL_LEVEL=$(JOBS) \
	  $(PIP) install --no-build-isolation --no-deps -e .
	touch $@

build: $(VENV)/.stamp-build

test-cpp: deps
	cmake -S . -B $(CPP_BUILD) -DPYAUTH_BUILD_TESTS=ON -DPYAUTH_WERROR=$(WERROR) > /dev/null
	cmake --build $(CPP_BUILD) -j $(JOBS)
	ctest --test-dir $(CPP_BUILD) --output-on-failure -j $(JOBS)

# The core and pyauth's Django integration under a minimal settings module, then the
# reference backend under its own. With PYAUTH_TEST_POSTGRES=1 (CI) both Django suites
# run again on PostgreSQL at 127.0.0.1:5432, database test.
PG_URL := postgres://postgres@127.0.0.1:5432/test
test-py: build node
	$(PY) -m pytest -q -p no:cacheprovider tests/core tests/django --ds=tests.django.settings
	$(PY) -m pytest -q -p no:cacheprovider tests/app --ds=django_app.settings
	$(PY) -m pytest -q -p no:cacheprovider tests/e2e --ds=django_app.settings
	@if [ -n "$(PYAUTH_TEST_POSTGRES)" ]; then \
	  set -e; echo "--- again on PostgreSQL"; \
	  PYAUTH_TEST_POSTGRES=1 $(PY) -m pytest -q -p no:cacheprovider tests/django --ds=tests.django.settings; \
	  DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -p no:cacheprovider tests/app --ds=django_app.settings; \
	fi

# The Node peers of the interop tests (tests/node/package-lock.json), with Node.js and npm
# from Debian when the machine has none.
NODE_MODULES := tests/node/node_modules/.package-lock.json
$(NODE_MODULES): tests/node/package.json tests/node/package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }
	npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
	touch $@

node: $(NODE_MODULES)

# Redis on 127.0.0.1:6379 (nothing persisted): started when it is down, installed from
# Debian when missing. CI's revocation tests share it between processes.
redis:
	@if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
	  command -v redis-server >/dev/null || { $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-server; }; \
	  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; \
	  for i in $$(seq 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done; \
	fi

# PostgreSQL on 127.0.0.1:5432 with trust auth and a database `test`: started when it is
# installed but down, installed from Debian when missing.
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
	  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then \
	    $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; \
	    v=$$(ls /etc/postgresql | head -1); \
	    $(SUDO) sed -i 's/^\(host.*127.0.0.1\/32 *\)[a-z0-9-]*$$/\1trust/; s/^\(local *all *postgres *\)peer$$/\1trust/' /etc/postgresql/$$v/main/pg_hba.conf; \
	  fi; \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 || \
	  psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE test"

test: test-cpp lint test-py

lint: build
	$(VENV)/bin/ruff check pyauth django_app tests bench manage.py
	$(VENV)/bin/ruff format --check pyauth django_app tests bench manage.py
	$(VENV)/bin/mypy

bench: build redis
	@dpkg-query -W -f='$${Status}' wrk 2>/dev/null | grep -q "ok installed" || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	cmake -S . -B build/bench -DPYAUTH_BUILD_BENCH=ON > /dev/null
	cmake --build build/bench -j $(JOBS) --target pyauth_bench_primitives
	$(PY) bench/run.py --primitives build/bench/pyauth_bench_primitives

PORT ?= 8000
run: build
	$(PY) manage.py migrate --noinput
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

clean:
	rm -rf build $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
