# `make lab` opens the course, `make test` checks it. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: setup lab test course readme lint standin clean

setup: $(INSTALLED)

$(INSTALLED): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	touch $@

lab: setup  ## open the course in JupyterLab
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

test: setup  ## unit tests + every notebook in quick mode (nbval)
	$(PY) -m pytest

course: setup  ## every notebook in full mode, in order -> outputs/site/ (HTML, slides, run times)
	$(PY) -m benchmarks.build_course

readme: setup  ## rewrite README's run times and scoreboard from the last `make course`
	$(PY) -m benchmarks.build_course --readme

lint: setup
	$(VENV)/bin/ruff check .

standin: setup  ## full-size MNIST stand-in for timings when MNIST cannot be downloaded
	$(PY) -m benchmarks.make_standin outputs/standin

clean:  ## remove outputs (figures, samples, checkpoints); keeps data/ and .venv/
	rm -rf outputs
