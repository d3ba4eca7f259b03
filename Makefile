# The two commands a fresh clone needs: `make demo` and `make test`.  Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint browser clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Debian's chromium and CJK fonts for the viewer tests and screenshots (root on CI machines).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk" || { \
	  echo "installing chromium and fonts-noto-cjk"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "warning: could not install chromium (viewer browser tests will fail)"; }

demo: $(STAMP)
	rm -rf demo-store
	$(BIN)/kg build examples --store demo-store
	$(BIN)/kg query --store demo-store -f demo
	@if $(BIN)/kg --help | grep -q " viz "; then \
	  $(BIN)/kg viz --store demo-store -o demo-graph.html && echo "viewer written to demo-graph.html"; fi

test: $(STAMP) browser
	$(BIN)/ruff check kg tests bench
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-store demo-graph.html kg-store
