"""Every notebook converts to a reveal.js deck with one slide per top-level heading."""

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import SlidesExporter

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


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
    count = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"```.*?```", "", "".join(cell["source"]), flags=re.DOTALL)  # not comments in code blocks
        count += len(re.findall(r"^#{1,2} ", text, flags=re.MULTILINE))
    return count


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_slide_per_top_level_heading(path):
    notebook = json.loads(path.read_text())
    deck, _ = SlidesExporter().from_notebook_node(nbformat.reads(path.read_text(), as_version=4))
    parser = TopLevelSections()
    parser.feed(deck)
    headings = top_level_headings(notebook)
    assert headings > 0 and parser.count == headings, f"{path.name}: {parser.count} slides, {headings} headings"
