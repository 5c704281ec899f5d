# LoanFlow: `make demo` to try it, `make test` to check it. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_PACKAGES := chromium chromium-driver graphviz fonts-noto-cjk openjdk-17-jre-headless

.PHONY: demo test install system-deps lint typecheck check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	# Prosimos (the field's simulator, for the what-if cross-check and benchmark) without its
	# dependencies: pix-framework pins pyarrow 25 and polars 1, which the XES reader cannot use.
	$(BIN)/pip install --quiet --no-deps 'prosimos>=2.1,<3' 'pix-framework>=0.15,<0.16'
	touch $(STAMP)

install: $(STAMP)

# The browser tests need Debian's chromium and chromium-driver; SVG maps need graphviz; the
# Spark engine and its parity tests need Java 17 (openjdk-17-jre-headless).
system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages:$$missing. Install them: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

demo: $(STAMP)
	$(BIN)/loanflow demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .loanflow-cache
