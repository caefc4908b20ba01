"""Execute every notebook in full mode, in order, and publish the results under outputs/site/.

    python -m tools.build                # what `make course` runs
    python -m tools.build --readme       # then rewrite README's tables from the results

The README keeps one run-time column and one scoreboard per kind of data (``data_kind``):
60,000 images (real MNIST or the stand-in) and the offline fallback; `--readme` rewrites the
ones of the data the last build used, and says which data that was.

For each notebook it writes the executed copy (.ipynb), an HTML page and reveal.js slides
(.slides.html), and outputs/site/index.html links them all with each notebook's measured run
time (also saved in outputs/site/timings.json). A failing notebook stops the build, naming the
notebook and the failing cell. Before 14_evaluating_generative_models it runs
`benchmarks.dcgan --notebook-checkpoint` (BENCHMARKS_BEFORE): the original lab's DCGAN
recipe, trained on the same machine, for its plots. The device is whatever
course_utils.device.get_device() finds.

The pages and decks work without network (a lecture hall): reveal.js, require.js, jQuery and
MathJax are copied from installed packages (requirements.txt) into outputs/site/assets/ and
referenced by relative paths, never from a CDN. tests/test_browser.py opens a deck offline.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
from jinja2 import DictLoader
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter, SlidesExporter

from course_utils import config, data
from course_utils.device import get_device

NOTEBOOKS = sorted((config.REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CELL_TIMEOUT_S = 1800


def site_dir() -> Path:
    return config.output_path("site", "index.html").parent


def machine() -> str:
    device = get_device()
    if device.type == "cuda":
        import torch

        return f"GPU: {torch.cuda.get_device_name()}"
    return f"{device.type.upper()}, {os.cpu_count()} cores ({platform.processor() or platform.machine()})"


def execute(path: Path) -> tuple[nbformat.NotebookNode, float]:
    """Run one notebook top to bottom in its own folder; return it with outputs, and the seconds taken."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(path.parent)}},
        extra_arguments=[
            "--IPKernelApp.log_level=ERROR"
        ],  # no kernel start-up warnings between progress lines
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        errors = [
            i
            for i, cell in enumerate(notebook.cells)
            if any(o.output_type == "error" for o in cell.get("outputs", []))
        ]
        failing = errors[0] if errors else None
        source = (
            notebook.cells[failing].source.splitlines()[:5]
            if failing is not None
            else []
        )
        print(
            f"\nFAILED: {path.name}, cell {failing}:\n    " + "\n    ".join(source),
            file=sys.stderr,
        )
        print(str(error).strip().splitlines()[-1], file=sys.stderr)
        raise SystemExit(1) from None
    return notebook, time.perf_counter() - start


ASSETS = "assets"  # folder next to the pages, referenced relatively
# MathJax 2 as nbclassic ships it has the STIX-Web fonts only, not the TeX ones it looks for by default
MATHJAX_FONTS = "course-stix"  # a configuration file written into assets/MathJax/config/ that says so
MATHJAX_CONFIG = f"TeX-AMS-MML_HTMLorMML-full,Safe,{MATHJAX_FONTS}"
MATHJAX_FONTS_JS = f"""MathJax.Hub.Config({{"HTML-CSS": {{availableFonts: [], preferredFont: null, webFont: "STIX-Web",
                                     imageFont: null}}}});
MathJax.Ajax.loadComplete("[MathJax]/config/{MATHJAX_FONTS}.js");
"""
REVEAL_THEME = "white"  # ships its fonts (theme/fonts/); nbconvert's default, "simple", imports Google's


def _package_dir(module: str, *parts: str) -> Path:
    """A folder inside an installed package (its files, not its code: the package is never imported)."""
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"{module} is not installed: the offline decks need it (pip install -r requirements.txt)"
        )
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def offline_assets() -> dict[str, Path]:
    """Where each script the pages load comes from: the asset's path under assets/ -> installed source."""
    components = _package_dir("nbclassic", "static", "components")
    return {
        "reveal.js": _package_dir(
            "sphinx_revealjs", "_static", "revealjs"
        ),  # dist/ and plugin/ of reveal.js 5
        "require.js": components / "requirejs" / "require.js",
        "jquery.min.js": components / "jquery" / "jquery.min.js",
        "MathJax": components
        / "MathJax",  # MathJax 2, the API nbconvert's templates call
    }


def copy_offline_assets(site: Path) -> Path:
    """Copy reveal.js, require.js, jQuery and MathJax into site/assets/ (once; kept between builds)."""
    target = site / ASSETS
    for name, source in offline_assets().items():
        if not source.exists():
            raise SystemExit(
                f"{source} is missing: reinstall the packages in requirements.txt"
            )
        if (target / name).exists():
            continue
        if source.is_dir():
            shutil.copytree(
                source,
                target / name,
                ignore=shutil.ignore_patterns("*.map", "*.md", "*.json"),
            )
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / "MathJax" / "config" / f"{MATHJAX_FONTS}.js").write_text(MATHJAX_FONTS_JS)
    return target


# nbconvert's templates import mermaid from a CDN (the deck's on every load); the course draws no mermaid diagrams.
_OFFLINE_TEMPLATE = (
    "course_offline.html.j2"  # the exporter's own index.html.j2 without that block
)
_NO_MERMAID = {
    _OFFLINE_TEMPLATE: "{%- extends 'index.html.j2' -%}\n{% block html_head_js_mermaidjs %}{% endblock %}"
}


def exporters() -> tuple[HTMLExporter, SlidesExporter]:
    """The page and deck exporters, with every script loaded from assets/ (see copy_offline_assets)."""
    local = {
        "require_js_url": f"{ASSETS}/require.js",
        "jquery_url": f"{ASSETS}/jquery.min.js",
        "mathjax_url": f"{ASSETS}/MathJax/MathJax.js?config={MATHJAX_CONFIG}",
    }
    local.update(
        extra_loaders=[DictLoader(_NO_MERMAID)], template_file=_OFFLINE_TEMPLATE
    )
    page = HTMLExporter(**local)
    slides = SlidesExporter(
        **local, reveal_url_prefix=f"{ASSETS}/reveal.js", reveal_theme=REVEAL_THEME
    )
    return page, slides


def publish(
    path: Path, notebook: nbformat.NotebookNode, site: Path | None = None
) -> Path:
    """Write the executed notebook, its HTML page and its reveal.js deck into site; return the deck's path."""
    site = site or site_dir()
    site.mkdir(parents=True, exist_ok=True)
    copy_offline_assets(site)
    nbformat.write(notebook, site / path.name)
    page_exporter, slides_exporter = exporters()
    page, _ = page_exporter.from_notebook_node(notebook)
    (site / f"{path.stem}.html").write_text(page)
    slides, _ = slides_exporter.from_notebook_node(notebook)
    deck = site / f"{path.stem}.slides.html"
    deck.write_text(slides)
    return deck


def write_index(timings: dict[str, float], where: str) -> Path:
    rows = "\n".join(
        f'<tr><td><a href="{name}.html">{html.escape(name)}</a></td><td><a href="{name}.slides.html">slides</a></td>'
        f'<td><a href="{name}.ipynb">notebook</a></td><td style="text-align:right">{seconds:.0f} s</td></tr>'
        for name, seconds in timings.items()
    )
    page = f"""<!doctype html><meta charset="utf-8"><title>Deep generative models on MNIST</title>
<style>body{{font-family:sans-serif;max-width:48em;margin:2em auto}}td{{padding:.2em 1em}}</style>
<h1>Deep generative models on MNIST</h1>
<p>Executed in full mode on {html.escape(where)}, {time.strftime("%Y-%m-%d %H:%M")}.
Total: {sum(timings.values()) / 60:.1f} min.</p>
<table><tr><th>notebook</th><th></th><th></th><th>run time</th></tr>
{rows}
</table>
"""
    path = site_dir() / "index.html"
    path.write_text(page)
    return path


# Benchmarks run in the build, before the notebook that reads what they write: the
# evaluation notebook plots the original lab's DCGAN recipe (benchmarks/dcgan.py, trained
# here on the same machine) beside the course's GANs.
BENCHMARKS_BEFORE = {
    "14_evaluating_generative_models": ["benchmarks.dcgan", "--notebook-checkpoint"]
}


def run_benchmark(command: list[str]) -> float:
    """Run `python -m <command>` from the repository root; return its seconds (its output goes to the console)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", *command], cwd=config.REPO_ROOT, check=True)
    return time.perf_counter() - start


def build() -> None:
    if config.quick():
        raise SystemExit(
            "COURSE_QUICK=1 is set: `make course` builds the full course; unset it."
        )
    where = machine()
    print(
        f"Building {len(NOTEBOOKS)} notebooks in full mode on {where}; outputs in {config.output_dir()}"
    )
    timings: dict[str, float] = {}
    for i, path in enumerate(NOTEBOOKS, 1):
        if path.stem in BENCHMARKS_BEFORE:
            command = BENCHMARKS_BEFORE[path.stem]
            print(f"benchmark: python -m {' '.join(command)}", flush=True)
            print(f"benchmark done in {run_benchmark(command):.0f} s")
        print(f"[{i}/{len(NOTEBOOKS)}] {path.name} ...", end=" ", flush=True)
        notebook, seconds = execute(path)
        publish(path, notebook)
        timings[path.stem] = seconds
        print(f"{seconds:.0f} s")
    record = {
        "machine": where,
        "data_source": data.source(),
        "train_images": len(data.mnist("train", device="cpu")[1]),
        "budget": config.budget_name(),
        "seconds": timings,
    }
    (site_dir() / "timings.json").write_text(json.dumps(record, indent=2))
    print(
        f"Done in {sum(timings.values()) / 60:.1f} min: {write_index(timings, where)}"
    )


def data_kind(source: str, train_images: int) -> str | None:
    """'offline' for the offline fallback, 'full' for 60,000 images (real MNIST or the
    stand-in), None for other data (a build for comparison, not for the README)."""
    if source == "offline-subset":
        return "offline"
    return "full" if train_images >= 60_000 else None


RUN_TIME_DATA = {"offline": "the offline digits", "full": "60,000 training images"}


RUN_TIME_COLUMN = {"full": 3, "offline": 4}  # in the README's syllabus table


def duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def update_run_time_lines(seconds: dict[str, float], kind: str) -> None:
    """Rewrite the "*Run time (full mode): about ... on 2 CPU cores (<data>).*" line atop
    each notebook."""
    for path in NOTEBOOKS:
        notebook = json.loads(path.read_text())
        cell = notebook["cells"][0]
        text = "".join(cell["source"])
        measured = duration(seconds[path.stem])
        new = re.sub(
            r"(\*Run time \(full mode\): about ).+?( on 2 CPU cores)(?: \([^)]*\))?",
            rf"\g<1>{measured}\g<2> ({RUN_TIME_DATA[kind]})",
            text,
        )
        if new != text:
            cell["source"] = new.splitlines(keepends=True)
            path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


# The notebook whose metrics hold the scoreboard: one group of numbers per row, written flat
# by outputs.save_metrics as <row>_<column> (e.g. dcgan_fid, real_vs_real_fid).
SCOREBOARD_NOTEBOOK = "14_evaluating_generative_models"
SCOREBOARD_HEADER = (
    "| model | judge-FID ↓ | coverage | max/min class | confidence | copies "
    "| −ELBO (nats) | targets met |"
)
TARGETS_MET = {True: "yes", False: "**no**", None: ""}
# The table's rows, in this order: the floor, then the models in course order.
SCOREBOARD_ROWS = {
    "real_vs_real": "real training digits (floor)",
    "ae_gaussian": "ae_gaussian",
    "vae_mlp": "vae_mlp",
    "vae_conv": "vae_conv",
    "dcgan": "dcgan",
    "wgan_clip": "wgan_clip",
    "wgan_gp": "wgan_gp",
}


def scoreboard_markdown(metrics: dict[str, Any]) -> str:
    """The README's scoreboard table from the evaluation notebook's flat metrics: a row for
    every model of SCOREBOARD_ROWS that has a <row>_fid."""
    lines = [SCOREBOARD_HEADER, "|---" * 8 + "|"]
    for row, label in SCOREBOARD_ROWS.items():
        if f"{row}_fid" not in metrics:
            continue
        ratio = metrics[f"{row}_class_ratio"]  # null: a digit is missing
        nats = metrics.get(f"{row}_test_neg_elbo_nats")
        cells = [
            label,
            f"{metrics[f'{row}_fid']:.2f}",
            f"{metrics[f'{row}_coverage']}/10",
            "inf" if ratio is None else f"{ratio:.2f}",
            f"{metrics[f'{row}_confidence']:.3f}",
            f"{metrics[f'{row}_copy_fraction']:.1%}",
            "" if nats is None else f"{nats:.1f}",
            TARGETS_MET[metrics.get(f"{row}_targets_met")],
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def update_readme() -> None:
    """Rewrite the README's run-time column and scoreboard for the data of the last build; after a
    build on 2 CPU cores, also the run-time line atop each notebook (what a student's laptop takes)."""
    readme = config.REPO_ROOT / "README.md"
    timings = json.loads((site_dir() / "timings.json").read_text())
    kind = data_kind(timings["data_source"], timings["train_images"])
    if timings.get("budget", "standard") != "standard":
        raise SystemExit(
            f"the last build ran with COURSE_BUDGET={timings['budget']}: the README's tables"
            " and run-time lines are the standard budget's (its section on the long budget"
            " is written by hand, from that build's outputs/site/timings.json)"
        )
    if kind is None:
        raise SystemExit(
            f"the last build ran on {timings['train_images']:,} training images of"
            f" {timings['data_source']}: the README keeps the offline fallback's and"
            " 60,000 images' builds only"
        )
    lines = readme.read_text().split("\n")
    for i, line in enumerate(lines):
        cells = line.split(" | ")
        name = next(
            (n for n in timings["seconds"] if line.startswith(f"| {n[:2]} | ")), None
        )
        if name is not None and len(cells) >= 6:
            seconds = timings["seconds"][name]
            cells[RUN_TIME_COLUMN[kind]] = duration(seconds)
            lines[i] = " | ".join(cells)
    text = "\n".join(lines)
    total = sum(timings["seconds"].values()) / 60
    text = re.sub(
        rf"(<!-- total:{kind} -->).*?(<!-- /total -->)",
        lambda m: f"{m[1]}{total:.1f} min{m[2]}",
        text,
    )
    metrics_path = config.output_path("metrics", f"{SCOREBOARD_NOTEBOOK}.json")
    metrics = json.loads(metrics_path.read_text())
    if metrics["data_source"] != timings["data_source"]:
        raise SystemExit(
            f"the scoreboard was measured on {metrics['data_source']}, the run times on "
            f"{timings['data_source']}: run `make course` again"
        )
    source = metrics["data_source"].replace(
        f"{config.REPO_ROOT}/", ""
    )  # a path inside the repository: relative
    caption = (
        f"Data: {source}; {timings['machine']}; commit {metrics.get('git_commit')}."
    )
    table = scoreboard_markdown(metrics) + "\n\n" + caption
    pattern = rf"(<!-- scoreboard:{kind} -->\n).*?(\n<!-- /scoreboard -->)"
    if not re.search(pattern, text, flags=re.DOTALL):
        raise SystemExit(f"README.md has no <!-- scoreboard:{kind} --> block")
    readme.write_text(
        re.sub(pattern, lambda m: m[1] + table + m[2], text, flags=re.DOTALL)
    )
    if "CPU, 2 cores" in timings["machine"]:
        update_run_time_lines(timings["seconds"], kind)
    print(
        f"README updated ({kind} data: {timings['data_source']}): run times of {len(timings['seconds'])} "
        "notebooks and the scoreboard"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--readme",
        action="store_true",
        help="only rewrite README's tables from the last build",
    )
    if parser.parse_args().readme:
        update_readme()
    else:
        build()


if __name__ == "__main__":
    main()
