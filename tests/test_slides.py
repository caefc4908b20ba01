"""Slides for a lecture: every notebook follows the slide rules of tools.slides, and converts
to a reveal.js deck with one slide per top-level heading it shows."""

import copy
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import SlidesExporter

from tools import build, slides

NOTEBOOKS = sorted(
    (Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb")
)


class TopLevelSections(HTMLParser):
    """Counts the <section> elements directly inside reveal.js's <div class="slides">."""

    def __init__(self) -> None:
        super().__init__()
        self.in_slides, self.depth, self.count = False, 0, 0

    def handle_starttag(self, tag, attrs):
        if tag == "div" and ("class", "slides") in attrs:
            self.in_slides = True
        elif tag == "section" and self.in_slides:
            self.count += self.depth == 0
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.in_slides:
            self.depth -= 1


def top_level_headings(notebook: dict) -> int:
    """'#' and '##' headings in the markdown cells a slideshow shows."""
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown" or slides.slide_type(cell) in slides.HIDDEN:
            continue
        text = re.sub(
            r"```.*?```", "", "".join(cell["source"]), flags=re.DOTALL
        )  # not comments in code blocks
        count += len(re.findall(r"^#{1,2} ", text, flags=re.MULTILINE))
    return count


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_slide_per_top_level_heading(path):
    notebook = json.loads(path.read_text())
    deck, _ = SlidesExporter().from_notebook_node(
        nbformat.reads(path.read_text(), as_version=4)
    )
    parser = TopLevelSections()
    parser.feed(deck)
    headings = top_level_headings(notebook)
    assert headings > 0 and parser.count == headings, (
        f"{path.name}: {parser.count} slides, {headings} headings"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_follows_the_slide_rules(path):
    found = slides.problems(json.loads(path.read_text()))
    assert not found, (
        f"{path.name} (fix with `python -m tools.slides {path}`):\n" + "\n".join(found)
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_applying_the_rules_satisfies_them_and_changes_nothing_the_second_time(path):
    notebook = json.loads(path.read_text())
    for cell, kind in zip(
        notebook["cells"], slides.expected_types(notebook), strict=True
    ):
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = kind
    assert slides.problems(notebook) == []
    assert slides.expected_types(notebook) == [
        slides.slide_type(c) for c in notebook["cells"]
    ]
    setup = slides.skipped_by_rule(notebook)
    assert (
        min(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")
        in setup
    )


def _cell(kind: str, text: str, slide_type: str = "-") -> dict:
    return {
        "cell_type": kind,
        "metadata": {"slideshow": {"slide_type": slide_type}},
        "source": text,
    }


LECTURE = {
    "cells": [
        _cell("markdown", "# 99 · A lecture", "slide"),
        _cell("code", "import os  # the set-up cell"),
        _cell(
            "code",
            "import torch\nfrom course_utils import viz\n\nDEVICE = 'cpu'\nprint(torch.__version__)",
        ),
        _cell("markdown", "## Settings", "slide"),
        _cell("code", "QUICK = False  # smoke test\nSTEPS = 10\nset_seed(0)"),
        _cell("markdown", "## Training", "slide"),
        _cell("code", "model = train(STEPS)"),
        _cell("markdown", "The samples of the trained model:"),
        _cell("code", "viz.show_images(model.sample(64), NOTEBOOK, 'samples')"),
        _cell("markdown", "They look like digits."),
        _cell("code", "path = outputs.save_samples(samples, 'model')\nprint(path)"),
        _cell(
            "code",
            "report = scores.judge_report(samples)\noutputs.save_samples(samples, 'model')\nprint(report)",
        ),
        _cell("markdown", "## Metrics", "slide"),
        _cell(
            "code",
            "metrics = {'steps': STEPS}\nprint(outputs.save_metrics(NOTEBOOK, metrics))\nfor k in metrics:\n"
            "    print(k)",
        ),
        _cell(
            "markdown",
            "## Summary\n- a point\n- another point\n- a third point",
            "slide",
        ),
        _cell("code", "outputs.save_metrics(NOTEBOOK, {'steps': STEPS})"),
    ]
}


def test_the_rules_on_a_small_lecture():
    types = slides.expected_types(LECTURE)
    assert types[1:5] == ["skip"] * 4, (
        "set-up, imports, and the settings section are not lecture material"
    )
    assert types[5] == "slide" and types[6] == "-"
    assert types[7] == "subslide" and types[8] == "-", (
        "the picture gets a slide, starting at its introduction"
    )
    assert types[10] == "skip", "saving samples and printing the path is bookkeeping"
    assert types[9] == "-", "the comment on a picture stays on the picture's slide"
    assert types[11] == "subslide", (
        "a cell that computes a report is shown, on a slide after the picture's"
    )
    assert types[12:14] == ["skip", "skip"], "a metrics section is skipped whole"
    assert types[14:] == ["slide", "skip"], (
        "a summary with content stays, its bookkeeping cell goes"
    )


def test_problems_name_the_cells_that_break_the_rules():
    broken = copy.deepcopy(LECTURE)
    for cell, kind in zip(broken["cells"], slides.expected_types(broken), strict=True):
        cell["metadata"]["slideshow"]["slide_type"] = kind
    assert slides.problems(broken) == []
    broken["cells"][4]["metadata"]["slideshow"]["slide_type"] = "-"  # settings shown
    broken["cells"][7]["metadata"]["slideshow"]["slide_type"] = (
        "-"  # picture on the training slide
    )
    broken["cells"][5]["metadata"]["slideshow"]["slide_type"] = (
        "fragment"  # heading not starting a slide
    )
    found = "\n".join(slides.problems(broken))
    assert (
        "cell 4 " in found and "cell 5 " in found and "a picture (cell 8)" in found
    ), found


def test_the_command_rewrites_only_slide_types(tmp_path):
    path = tmp_path / "99_lecture.ipynb"
    notebook = {
        "cells": LECTURE["cells"],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    assert slides.main(["--check", str(path)]) == 1
    assert slides.main([str(path)]) == 0
    assert slides.main(["--check", str(path)]) == 0
    rewritten = json.loads(path.read_text())
    assert [c["source"] for c in rewritten["cells"]] == [
        c["source"] for c in LECTURE["cells"]
    ]
    assert slides.apply(path) == [], "a second run must change nothing"


class ScriptsAndStyles(HTMLParser):
    """The addresses a page loads by itself: script src, stylesheet href, img src."""

    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img") and attrs.get("src"):
            self.loads.append(attrs["src"])
        elif tag == "link" and attrs.get("rel") == "stylesheet":
            self.loads.append(attrs["href"])


def test_published_pages_and_decks_load_everything_from_next_to_them(tmp_path):
    """What `make course` writes for 01 (a diagram attached from img/, formulas, reveal.js), without executing it."""
    path = build.NOTEBOOKS[1]
    deck = build.publish(path, nbformat.read(path, as_version=4), site=tmp_path)
    for page in (deck, tmp_path / f"{path.stem}.html"):
        text = page.read_text()
        parser = ScriptsAndStyles()
        parser.feed(text)
        loads = [u for u in parser.loads if not u.startswith("data:")]
        attached = [u for u in parser.loads if u.startswith("data:image/png;base64,")]
        assert attached, f"{page.name}: the notebook's attached diagram is not shown"
        assert any(
            u.endswith("MathJax.js?config=" + build.MATHJAX_CONFIG) for u in loads
        ), loads
        web = [u for u in loads if re.match(r"(https?:)?//", u)]
        assert not web, f"{page.name} loads {web} from the web"
        missing = [u for u in loads if not (tmp_path / u.split("?")[0]).is_file()]
        assert not missing, f"{page.name} loads {missing}, which are not in {tmp_path}"
        assert (
            "import mermaid" not in text and "cdnjs" not in text and "unpkg" not in text
        )
    deck_text = deck.read_text()
    for script in (
        "dist/reveal.js",
        "plugin/notes/notes.js",
    ):  # loaded through require.js, not <script>
        assert f'"{build.ASSETS}/reveal.js/{script}"' in deck_text
        assert (tmp_path / build.ASSETS / "reveal.js" / script).is_file()
    theme = (
        tmp_path
        / build.ASSETS
        / "reveal.js"
        / "dist"
        / "theme"
        / f"{build.REVEAL_THEME}.css"
    )
    assert "@import url(http" not in theme.read_text(), (
        "the deck's theme fetches fonts from the web"
    )
