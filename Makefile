# One command to set up, one to check, one to test (see README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
RUBRIC := rubrics/week01-generators

.PHONY: install engine sandbox images service-image lock demo console-demo check test test-fast fuzz schema clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "grader needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## A Docker engine that answers: installs docker.io and starts dockerd when none does.
engine:
	sandboxes/engine.sh

## The sandbox image (a no-op when nothing changed).
sandbox: install engine
	$(BIN)/grader sandbox build

## Every image the rubrics use: the sandbox, its variants (spark) and the sidecar services.
images: install engine
	$(BIN)/grader sandbox build --service all --variant all

## The service's image (API and worker): a wheelhouse made here, then a build with no network.
SERVICE_BASE ?= grader-base:bookworm
service-image: sandbox
	# async-timeout: redis needs it on Pythons before 3.11.3 (Debian bookworm has 3.11.2)
	rm -rf build/wheels && $(BIN)/python -m pip wheel --quiet -w build/wheels . async-timeout
	docker build --network none --build-arg BASE_IMAGE=$(SERVICE_BASE) -t grader-service:latest .

## Re-lock the sandbox image's packages (needs PyPI): requirements.in -> requirements.lock.
lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/python -m uv pip compile sandboxes/python/requirements.in --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header --quiet \
		-o sandboxes/python/requirements.lock
	$(BIN)/python -m uv pip compile sandboxes/services/s3/requirements.in --generate-hashes \
		--python-version 3.11 --python-platform x86_64-manylinux_2_28 --no-header --quiet \
		-o sandboxes/services/s3/requirements.lock

## Grade the week-1 reference, starter and samples in the Docker sandbox, printing each report.
demo: install sandbox
	@for folder in $(RUBRIC)/reference $(RUBRIC)/starter $(RUBRIC)/samples/*/; do \
		echo; echo "=== $$folder ==="; \
		$(BIN)/grader grade $$folder --rubric $(RUBRIC)/rubric.yaml || exit $$?; \
	done
	@echo; echo "=== grader rubric check $(RUBRIC) ==="
	$(BIN)/grader rubric check $(RUBRIC)

## The instructor console over a seeded course (12 weekly assignments, made-up students):
## prints sign-in links for an owner, a TA and a student, then serves http://127.0.0.1:8000/console
console-demo: install
	$(BIN)/grader console demo

## The grader's own code passes the checks it grades students with.
check: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check grader webhooks tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -c pyproject.toml -r grader webhooks
	@out="$$($(BIN)/radon cc -n C -s grader webhooks)"; if [ -n "$$out" ]; then echo "radon: functions worse than rank B:"; echo "$$out"; exit 1; fi
	$(BIN)/grader rubric validate rubrics/*/rubric.yaml
	$(BIN)/grader rubric schema | diff -u rubrics/schema.json - || { echo "rubrics/schema.json is stale: run make schema"; exit 1; }

schema: install
	$(BIN)/grader rubric schema --out rubrics/schema.json

test: check images
	$(BIN)/python -m pytest
	$(BIN)/grader rubric check rubrics/*/

## Unit tests only: no end-to-end runs of the real tools, no PostgreSQL, no Redis.
test-fast: install
	$(BIN)/python -m pytest -m "not slow and not postgres and not redis"

## The fuzz suites with a long budget (make test runs them with a bounded one).
fuzz: install
	$(BIN)/python -m pytest -m fuzz --hypothesis-profile=fuzz -p no:cacheprovider

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis *.egg-info
