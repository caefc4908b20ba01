"""Slide metadata for a lecture: which cells a slideshow shows, and where its slides begin.

    python -m tools.slides notebooks/05_vae_mnist.ipynb ...   # apply the rules, print what changed
    python -m tools.slides --check notebooks/*.ipynb          # exit 1 and list the cells that break them

Both the live slideshow in JupyterLab (RISE: `jupyterlab-rise`) and the reveal.js decks of
`make course` read ``cell.metadata.slideshow.slide_type``. The rules, checked for every notebook
by tests/test_slides.py:

1. Set-up is skipped: the set-up cell (tools.bootstrap), the import cell (imports, DEVICE,
   the versions line) and the settings cell (UPPER_CASE constants and ``set_seed``).
2. Bookkeeping is skipped: a cell that saves metrics or samples (``outputs.save_metrics``,
   ``outputs.save_samples``) and besides only writes dictionaries and prints (no results computed).
3. A section that holds nothing but a short heading cell (at most 3 lines) and skipped cells
   ("## Settings", "## Metrics") is skipped whole.
4. Every other heading starts a slide (``#``, ``##``) or a subslide (``###`` and deeper).
5. Pictures get their own slide: a (sub)slide holding a code cell that draws (``show_images``,
   ``plt``, the widget explorers, ...) holds no other code cell. Where a picture must move to a
   new subslide, it starts at the markdown cell that introduces it, if there is one; the code after
   a picture starts a new subslide itself (the markdown in between comments on the picture).

Rules 1-4 and the splitting in 5 are mechanical; this module applies them. Anything else an
author chose ("fragment", "notes", an extra "subslide") is kept.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
STARTS = ("slide", "subslide")  # slide types that begin a new (sub)slide
HIDDEN = ("skip", "notes")  # never on a slide
BOOKKEEPING_NAMES = ("save_metrics", "save_samples")
BOOKKEEPING_CALLS = tuple(f"{name}(" for name in BOOKKEEPING_NAMES)
SHORT_HEADING_LINES = (
    3  # a heading cell this short, over skipped cells only, is skipped with them
)
FIGURE_CALLS = (
    "show_images(",
    "plt.",
    "plot_curves(",
    "progress_pictures(",
    "save_figure(",
    "imshow(",
    "latent_sliders(",
    "choice_slider(",
    "interpolation_slider(",
    "digit_picker(",
)
SETUP_CALLS = (
    "set_seed",
    "set_default_dtype",
    "print",
    "manual_seed",
)  # calls allowed in set-up cells


def source(cell: dict) -> str:
    return "".join(cell["source"])


def first_line(cell: dict) -> str:
    lines = source(cell).strip().splitlines()
    return lines[0][:60] if lines else ""


def slide_type(cell: dict) -> str:
    return cell.get("metadata", {}).get("slideshow", {}).get("slide_type", "-")


def heading_level(cell: dict) -> int:
    """1 for "# Title", 2 for "## Section", ...; 0 for a cell that does not open with a heading."""
    if cell["cell_type"] != "markdown":
        return 0
    match = re.match(r"(#{1,6}) ", source(cell).lstrip())
    return len(match[1]) if match else 0


def _statements(cell: dict) -> list[ast.stmt] | None:
    code = "\n".join(
        line
        for line in source(cell).splitlines()
        if not line.lstrip().startswith(("%", "!"))
    )
    try:
        return ast.parse(code).body
    except SyntaxError:
        return None


def _called(node: ast.AST) -> str:
    """The last name of the function an expression statement calls ('' if it is no call)."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return ""


def _upper_assignment(node: ast.stmt) -> bool:
    targets = (
        node.targets
        if isinstance(node, ast.Assign)
        else [getattr(node, "target", None)]
    )
    return isinstance(node, (ast.Assign, ast.AnnAssign)) and all(
        isinstance(t, ast.Name) and t.id.isupper() for t in targets
    )


def is_setup(cell: dict) -> bool:
    """The import cell or the settings cell: imports or UPPER_CASE constants, with only seeding and printing besides.

    (The set-up cell itself is found by position: see tools.bootstrap.setup_cell.)
    """
    statements = _statements(cell) if cell["cell_type"] == "code" else None
    if not statements:
        return False
    defines = [
        isinstance(s, (ast.Import, ast.ImportFrom)) or _upper_assignment(s)
        for s in statements
    ]
    return any(defines) and all(
        d or _called(s) in SETUP_CALLS for d, s in zip(defines, statements, strict=True)
    )


def draws(cell: dict) -> bool:
    """A code cell that shows a picture (a figure, a collage or a widget explorer)."""
    text = source(cell)
    return cell["cell_type"] == "code" and any(call in text for call in FIGURE_CALLS)


def _bookkeeping_statement(node: ast.stmt) -> bool:
    """Writing a dictionary, saving it or the samples, printing; no computing of results."""
    value = getattr(node, "value", None)
    if isinstance(node, ast.Expr):
        return _called(node) in ("print", *BOOKKEEPING_NAMES)
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        saves = (
            isinstance(value, ast.Call)
            and _called(ast.Expr(value)) in BOOKKEEPING_NAMES
        )
        return saves or isinstance(value, (ast.Dict, ast.DictComp, ast.Constant))
    if isinstance(node, ast.For):
        return all(_bookkeeping_statement(s) for s in node.body)
    return False


def is_bookkeeping(cell: dict) -> bool:
    """A code cell that saves metrics or samples, and besides only writes dictionaries and prints."""
    statements = _statements(cell) if cell["cell_type"] == "code" else None
    return (
        bool(statements)
        and any(call in source(cell) for call in BOOKKEEPING_CALLS)
        and all(_bookkeeping_statement(s) for s in statements)
    )


def skipped_by_rule(notebook: dict) -> set[int]:
    """Indices of the cells rules 1-3 skip."""
    cells = notebook["cells"]
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    skip = {i for i in code if is_setup(cells[i]) or is_bookkeeping(cells[i])}
    if code:
        skip.add(code[0])  # the set-up cell
    headings = [i for i, c in enumerate(cells) if heading_level(c)] + [len(cells)]
    for start, end in zip(headings, headings[1:], strict=False):
        body = range(start + 1, end)
        short = len(source(cells[start]).strip().splitlines()) <= SHORT_HEADING_LINES
        if (
            len(body)
            and all(i in skip for i in body)
            and heading_level(cells[start]) > 1
            and short
        ):
            skip.add(
                start
            )  # a section of set-up or bookkeeping only ("## Settings", "## Metrics")
    return skip


def slides_of(notebook: dict, types: list[str] | None = None) -> list[list[int]]:
    """The shown cells grouped by (sub)slide, in order: lists of cell indices."""
    types = types or [slide_type(c) for c in notebook["cells"]]
    groups: list[list[int]] = []
    for i, kind in enumerate(types):
        if kind in HIDDEN:
            continue
        if kind in STARTS or not groups:
            groups.append([])
        groups[-1].append(i)
    return groups


def expected_types(notebook: dict) -> list[str]:
    """The slide type of every cell after applying the rules to the notebook's current metadata."""
    cells = notebook["cells"]
    types = [slide_type(c) for c in cells]
    skip = skipped_by_rule(notebook)
    for i, cell in enumerate(cells):
        level = heading_level(cell)
        if i in skip:
            types[i] = "skip"
        elif level:
            types[i] = "slide" if level <= 2 else "subslide"
    # Rule 5: walk the shown cells; split a slide before code that would share it with a picture.
    code_on_slide: list[int] = []
    last_shown = None
    for i, cell in enumerate(cells):
        if types[i] in HIDDEN:
            continue
        if types[i] in STARTS:
            code_on_slide = []
        if cell["cell_type"] == "code":
            picture_before = any(draws(cells[j]) for j in code_on_slide)
            if code_on_slide and (draws(cell) or picture_before):
                # the markdown between a picture and the next code comments on the picture: it stays with it
                intro = (
                    not picture_before
                    and last_shown is not None
                    and _introduces(cells, types, last_shown)
                )
                start = last_shown if intro else i
                types[start] = "subslide"
                if start != i:
                    types[i] = "-" if types[i] in STARTS else types[i]
                code_on_slide = []
            code_on_slide.append(i)
        last_shown = i
    return types


def _introduces(cells: list[dict], types: list[str], index: int) -> bool:
    """A plain markdown cell right before a code cell, not the start of its slide: the code's introduction."""
    return (
        cells[index]["cell_type"] == "markdown"
        and not heading_level(cells[index])
        and types[index] not in STARTS
    )


def problems(notebook: dict) -> list[str]:
    """Every cell whose slide type breaks the rules, with the rule; empty when the notebook follows them."""
    cells = notebook["cells"]
    found = []
    for i, cell in enumerate(cells):
        kind = slide_type(cell)
        if kind not in SLIDE_TYPES:
            found.append(f"cell {i} ({first_line(cell)}): unknown slide type {kind!r}")
    skip = skipped_by_rule(notebook)
    for i in sorted(skip):
        if slide_type(cells[i]) not in HIDDEN:
            found.append(
                f"cell {i} ({first_line(cells[i])}): set-up or bookkeeping, "
                f"is {slide_type(cells[i])!r}, should be 'skip' or 'notes'"
            )
    for i, cell in enumerate(cells):
        level = heading_level(cell)
        if level and i not in skip:
            wanted = "slide" if level <= 2 else "subslide"
            if slide_type(cell) != wanted:
                found.append(
                    f"cell {i} ({first_line(cell)}): a heading, "
                    f"is {slide_type(cell)!r}, should be {wanted!r}"
                )
    for group in slides_of(notebook):
        code = [i for i in group if cells[i]["cell_type"] == "code"]
        pictures = [i for i in code if draws(cells[i])]
        if pictures and len(code) > 1:
            found.append(
                f"cells {code}: a picture (cell {pictures[0]}) shares its slide with other code"
            )
    return found


def apply(path: Path) -> list[str]:
    """Rewrite the slide types of one notebook by the rules; return what changed, one line per cell."""
    notebook = json.loads(path.read_text())
    changed = []
    for i, (cell, new) in enumerate(
        zip(notebook["cells"], expected_types(notebook), strict=True)
    ):
        old = slide_type(cell)
        if new != old:
            cell.setdefault("metadata", {}).setdefault("slideshow", {})[
                "slide_type"
            ] = new
            changed.append(
                f"{path.name} cell {i}: {old} -> {new}  ({first_line(cell)})"
            )
    if changed:
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="only list the cells that break the rules"
    )
    args = parser.parse_args(argv)
    failed = False
    for path in args.notebooks:
        if args.check:
            found = problems(json.loads(path.read_text()))
            failed |= bool(found)
            print(
                "\n".join(f"{path.name}: {p}" for p in found)
                or f"{path.name}: follows the slide rules"
            )
        else:
            print("\n".join(apply(path)) or f"{path.name}: unchanged")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
