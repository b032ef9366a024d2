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

.PHONY: help deps venv build test test-cpp test-py lint bench run clean postgres redis node \
        fuzz-deps fuzz test-asan test-asan-cpp test-asan-py load browser redis-bin login-timing

help:
	@echo "make test   build everything and run the C++ and Python suites"
	@echo "make run    serve the reference backend (django_app)"
	@echo "make bench  benchmarks against PyJWT, joserfc, pyotp, argon2-cffi, Django, simplejwt"
	@echo "make lint   ruff and mypy --strict"
	@echo "make load   10,000 mixed requests to django_app under gunicorn, restarted mid-run"
	@echo "make login-timing  sign-in time for unknown vs known accounts (within 10 %)"
	@echo "make fuzz   each libFuzzer target for FUZZ_SECONDS (ASan + UBSan, clang)"
	@echo "make test-asan  the C++ tests and the Python core tests under ASan + UBSan"

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

# Fuzzing and sanitizers (README "Fuzzing and sanitizers"; presets in CMakePresets.json).
# clang and its sanitizer / libFuzzer runtimes from Debian, installed only when missing.
FUZZ_APT_PACKAGES := clang-14 libclang-rt-14-dev llvm-14
FUZZ_SECONDS ?= 10
FUZZ_JOBS ?= $(JOBS)
FUZZ_TARGETS ?=
# GCC's ASan runtime first, and libstdc++ with it: CPython does not link libstdc++, and
# ASan, initialised before the module loads it, would find no __cxa_throw to wrap.
ASAN_PRELOAD = $(shell gcc -print-file-name=libasan.so) $(shell gcc -print-file-name=libstdc++.so)

fuzz-deps:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(FUZZ_APT_PACKAGES)"

# Build with clang (preset fuzz), replay the seeds and saved regressions (ctest), then
# fuzz each target for FUZZ_SECONDS, FUZZ_JOBS at a time (cpp/fuzz/run.sh).
fuzz: deps fuzz-deps
	cmake --preset fuzz > /dev/null
	cmake --build --preset fuzz -j $(JOBS)
	ctest --preset fuzz -j $(JOBS)
	cpp/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

# The C++ tests (GoogleTest and the fuzz replays) under ASan + UBSan (preset asan, GCC).
test-asan-cpp: deps
	cmake --preset asan -DPYAUTH_WERROR=$(WERROR) > /dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# tests/core against pyauth._core built with ASan + UBSan (preset asan-python), loaded in
# place of the editable build by tests/asan_core.py; GCC's libasan preloaded into CPython,
# which allocates through malloc so ASan sees its buffers; CPython's own leaks not reported.
ASAN_CORE_BUILD := build/asan-python
test-asan-py: build
	cmake --preset asan-python -DPYAUTH_WERROR=$(WERROR) -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -Dpybind11_DIR="$$($(PY) -m pybind11 --cmakedir)" > /dev/null
	cmake --build --preset asan-python -j $(JOBS)
	LD_PRELOAD="$(ASAN_PRELOAD)" PYTHONMALLOC=malloc PYTHONPATH=tests \
	  ASAN_OPTIONS=detect_leaks=0:detect_stack_use_after_return=1:strict_string_checks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PYAUTH_ASAN_CORE="$$(ls $(ASAN_CORE_BUILD)/_core.*.so)" \
	  $(PY) -m pytest -q -p no:cacheprovider -p asan_core tests/core

test-asan: test-asan-cpp test-asan-py

# The core and pyauth's Django integration under a minimal settings module, then the
# reference backend under its own. With PYAUTH_TEST_POSTGRES=1 (CI) both Django suites
# run again on PostgreSQL at 127.0.0.1:5432, database test. tests/e2e/test_two_nodes.py
# starts a private Redis of its own: `redis-bin` only installs the binary (no server on
# 6379 is needed by the default path).
PG_URL := postgres://postgres@127.0.0.1:5432/test
test-py: build node browser redis-bin
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

# Chromium from Debian, for the demo page's browser test (tests/e2e/test_demo_browser.py,
# Playwright with executable_path: no `playwright install`), installed only when missing.
browser:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="chromium"

redis-bin:
	@$(MAKE) --no-print-directory deps APT_PACKAGES="redis-server"

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

# The load run (README "Reliability", bench/load.py): gunicorn (one worker per core)
# serving django_app on a fresh database, LOAD_REQUESTS mixed requests of the five
# documents with a reload, a killed worker, a restart and a crash mid-run; fails on any
# 5xx, unexpected answer, or acknowledged account or refresh token missing from the
# store. LOAD_DATABASE=postgres://postgres@127.0.0.1:5432/test runs it on PostgreSQL (in
# a database of its own, dropped afterwards). `make test` runs a bounded one.
LOAD_REQUESTS ?= 10000
LOAD_DATABASE ?= sqlite
load: build
	$(PY) bench/load.py --requests $(LOAD_REQUESTS) --database $(LOAD_DATABASE) \
	  --faults --self-check --json build/load.json

# Sign-in time of unknown accounts against known ones with a wrong password, per
# document's login endpoint, over HTTP (README "Reliability", bench/login_timing.py);
# fails when a median differs by more than 10 %.
LOGIN_TIMING_ROUNDS ?= 200
login-timing: build
	$(PY) bench/login_timing.py --rounds $(LOGIN_TIMING_ROUNDS) --json build/login_timing.json

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
