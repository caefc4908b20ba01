# `make lab` opens the course, `make test` checks it. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: setup lab test test-unit quick-budget course readme export diagrams bootstrap lint standin clean

RISE_SETTINGS := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json
SERVER_SETTINGS := $(VENV)/etc/jupyter/jupyter_server_config.json

setup: $(INSTALLED) $(RISE_SETTINGS) $(SERVER_SETTINGS)

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

# The live slideshow's reveal.js theme: "white" brings its own fonts; RISE's default fetches them from the web.
$(RISE_SETTINGS): $(INSTALLED)
	mkdir -p $(dir $@)
	echo '{"jupyterlab-rise:plugin": {"theme": "white"}}' > $@

# nbclassic is installed only for the offline decks' require.js, jQuery and MathJax 2
# (tools/build.py copies them): as a server extension it would load into JupyterLab too and
# print its "update to Notebook 7" banner and a deprecation warning.
$(SERVER_SETTINGS): $(INSTALLED)
	mkdir -p $(dir $@)
	echo '{"ServerApp": {"jpserver_extensions": {"nbclassic": false}}}' > $@

# --allow-root: containers and cloud machines often run as root, which JupyterLab refuses without it
lab: setup  ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks --allow-root

test: setup  ## unit tests + every notebook in quick mode (nbval), and on two other data sets
	$(PY) -m pytest

test-unit: setup  ## the unit tests only (no notebook execution, no browser, no Colab-like install, no other data sets): under a minute
	$(PY) -m pytest tests --deselect tests/test_browser.py --deselect tests/test_colab.py --deselect tests/test_any_data.py

quick-budget: setup  ## time every notebook in quick mode against its 40 s budget -> outputs/benchmarks/
	$(PY) -m tools.quick_mode

course: setup  ## every notebook in full mode, in order -> outputs/site/ (HTML, slides, run times)
	$(PY) -m tools.build

readme: setup  ## rewrite README's run times and scoreboard from the last `make course`
	$(PY) -m tools.build --readme

export: setup  ## regenerate course_utils/from_notebooks/ from the notebooks' cells tagged "export"
	$(PY) -m tools.export

diagrams: setup  ## redraw img/'s schematics and attach them to the notebooks that show them (Colab)
	$(PY) img/draw_diagrams.py
	$(PY) -m tools.diagrams

bootstrap: setup  ## rewrite the set-up cell of every notebook (after changing the repository URL)
	$(PY) -m tools.bootstrap

lint: setup  ## ruff's checks and its formatter (code lines of at most 88 characters)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

standin: setup  ## full-size MNIST stand-in for timings when MNIST cannot be downloaded
	$(PY) -m tools.standin outputs/standin

clean:  ## remove outputs (figures, samples, checkpoints); keeps data/ and .venv/
	rm -rf outputs
