# The two commands a fresh clone needs: `make demo` and `make test`.  Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PY_MIN := 3.11

.PHONY: demo test bench lint browser clean model

# Python >= 3.11 first, in one line.  A .venv made by an older Python (or one cut short) is
# replaced; a first set-up that fails removes the .venv it began, so no later run trips on it.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "kg needs Python >= $(PY_MIN): '$(PYTHON)' is $$(command -v $(PYTHON) >/dev/null && $(PYTHON) --version 2>&1 | head -1 || echo "not found"); run make PYTHON=python3.11 (or newer)" >&2; exit 1; }
	@if [ -d $(VENV) ] && ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then \
	  echo "removing $(VENV): it is broken or made by a Python older than $(PY_MIN)"; rm -rf $(VENV); fi
	@echo "setting up $(VENV): kg and its dependencies (a few minutes the first time)"
	@fresh=; [ -d $(VENV) ] || fresh=1; log=$$(mktemp); \
	trap '[ -n "$$fresh" ] && rm -rf $(VENV); rm -f $$log; exit 130' INT TERM; \
	{ { [ -z "$$fresh" ] || $(PYTHON) -m venv $(VENV); } \
	  && $(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip \
	  && $(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'; } >$$log 2>&1 \
	|| { status=$$?; tail -n 30 $$log >&2; rm -f $$log; \
	     [ -n "$$fresh" ] && rm -rf $(VENV) && echo "kg: set-up failed (above: the end of pip's output); $(VENV) removed" >&2; \
	     exit $$status; }; \
	rm -f $$log
	@touch $(STAMP)
	@echo "kg is installed: $(BIN)/kg (or put $(BIN) on PATH)"

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
	$(BIN)/ruff check kg tests bench training
	$(BIN)/python -m pytest -q -p no:cacheprovider

bench: $(STAMP)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) demo-store demo-graph.html kg-store

# Retrain every shipped model from ../shared/datasets (fixed seeds; prints validation scores).
model: $(STAMP)
	$(BIN)/python -m training.ner
	$(BIN)/python -m training.relations
