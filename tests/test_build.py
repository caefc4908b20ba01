"""The build's README scoreboard, written from the flat metrics file of the evaluation notebook."""

import json

import pytest

from course_utils import config, outputs
from tools import build


def test_the_readme_scoreboard_comes_from_the_flat_metrics(course_env):
    rows = {
        "real vs real": {
            "fid": 4.2,
            "coverage": 10,
            "class_ratio": 1.09,
            "confidence": 0.992,
            "copy_fraction": 1.0,
            "test_neg_elbo_nats": None,
            "targets_met": None,
        },
        "vae_mlp": {
            "fid": 185.8,
            "coverage": 10,
            "class_ratio": 3.37,
            "confidence": 0.793,
            "copy_fraction": 0.0,
            "test_neg_elbo_nats": 110.42,
            "targets_met": None,
        },
        "dcgan": {
            "fid": 10.53,
            "coverage": 10,
            "class_ratio": 1.35,
            "confidence": 0.929,
            "copy_fraction": 0.001,
            "test_neg_elbo_nats": None,
            "targets_met": False,
        },
        "wgan_clip": {
            "fid": 1081.87,
            "coverage": 1,
            "class_ratio": float("inf"),
            "confidence": 0.982,
            "copy_fraction": 0.0,
            "test_neg_elbo_nats": None,
            "targets_met": None,
        },
    }
    outputs.save_metrics(
        build.SCOREBOARD_NOTEBOOK,
        {**rows},
        seed=0,
        train_images=5,
        records={"judge": {"train_seconds": 1.0}},
    )
    metrics = json.loads(
        config.output_path("metrics", f"{build.SCOREBOARD_NOTEBOOK}.json").read_text()
    )
    assert metrics["dcgan_fid"] == 10.53 and metrics["wgan_clip_class_ratio"] is None
    assert build.scoreboard_markdown(metrics).splitlines() == [
        build.SCOREBOARD_HEADER,
        "|---|---|---|---|---|---|---|---|",
        "| real training digits (floor) | 4.20 | 10/10 | 1.09 | 0.992 | 100.0% |  |  |",
        "| vae_mlp | 185.80 | 10/10 | 3.37 | 0.793 | 0.0% | 110.4 |  |",
        "| dcgan | 10.53 | 10/10 | 1.35 | 0.929 | 0.1% |  | **no** |",
        "| wgan_clip | 1081.87 | 1/10 | inf | 0.982 | 0.0% |  |  |",
    ]


def test_a_build_on_other_data_never_reaches_the_readme(course_env):
    record = {"machine": "CPU, 2 cores", "data_source": "outputs/data-small (files ab)"}
    record |= {"train_images": 1000, "seconds": {"00_getting_started": 13.0}}
    (build.site_dir() / "timings.json").write_text(json.dumps(record))
    with pytest.raises(SystemExit, match="1,000 training images of outputs/data-small"):
        build.update_readme()
    assert build.data_kind("offline-subset", 4000) == "offline"
    assert build.data_kind("mnist", 60_000) == "full"


def test_a_long_budget_build_never_reaches_the_readme(course_env):
    # the README's run times are the standard budget's; a long build is ten times slower
    record = {
        "machine": "CPU, 2 cores",
        "data_source": "offline-subset",
        "budget": "long",
    }
    record |= {"train_images": 4000, "seconds": {"00_getting_started": 13.0}}
    (build.site_dir() / "timings.json").write_text(json.dumps(record))
    with pytest.raises(SystemExit, match="COURSE_BUDGET=long"):
        build.update_readme()
