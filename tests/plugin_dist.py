"""A tiny third-party lamm-bench plugin, written as an installed distribution for tests.

``write_distribution`` puts an import package and its ``.dist-info`` (METADATA, entry_points.txt) into a folder;
with that folder on ``sys.path`` (or ``PYTHONPATH``), importlib.metadata finds the distribution and its entry
points exactly as after ``pip install``, without touching the shared virtual environment. The demo plugin ships
a task with two new metrics (one higher-, one lower-is-better), a group, an adapter and a model card.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

DEMO_DIST = "lamm-bench-demo-plugin"

DEMO_TASKS = '''
from lamm_bench.records import Request, SampleScore
from lamm_bench.task import TaskSpec

SYSTEM = "\\nYou repeat the word you are asked to say.\\n"


def ask(sample, previous, seed):
    return [Request(sample_id=sample.id, kind="generate", system=SYSTEM, text=sample.query, images=sample.images,
                    seed=seed)]


def score(sample, prediction):
    return SampleScore(values={"echoed": float(sample.target["word"] in prediction.split()),
                               "length": float(len(prediction))}, parsed=prediction)


def aggregate(scores):
    n = max(len(scores), 1)
    return {"echo_rate": 100 * sum(s.values["echoed"] for s in scores) / n,
            "answer_length": sum(s.values["length"] for s in scores) / n}


ECHO = TaskSpec(
    name="demo-echo", version="1", protocol="paper", modality="2d",
    meta_files=("2D_Benchmark/meta_file/Demo_Echo.json",), required_fields={"word": str},
    system_message=SYSTEM, stages=(ask,), score_sample=score, aggregate=aggregate,
    paper_metric=("Echo", "echo_rate"), metrics={"echo_rate": "higher", "answer_length": "lower"},
    description="demo plugin: say the word",
)
TASKS = (ECHO,)
GROUPS = {"demo": ("demo-echo",)}
'''

DEMO_ADAPTER = '''
from lamm_bench.adapter import ModelCard
from lamm_bench.records import Response


class EchoAdapter:
    capabilities = frozenset({"generate", "image"})

    def __init__(self, args):
        self.prefix = args.get("prefix", "I say")

    def load(self):
        pass

    def describe(self):
        return {"prefix": self.prefix}

    def generate(self, requests):
        return [Response(text=f"{self.prefix} {r.text.split()[-1]}") for r in requests]

    def score_choices(self, requests):
        raise NotImplementedError


CARDS = (ModelCard(name="demo-parrot", adapter="demo-echo-adapter", args={"prefix": "Surely"},
                   description="demo plugin card"),)
'''

DEMO_ENTRY_POINTS = {
    "lamm_bench.tasks": {"demo": "lamm_demo_plugin.tasks"},
    "lamm_bench.adapters": {"demo-echo-adapter": "lamm_demo_plugin.adapter:EchoAdapter"},
    "lamm_bench.cards": {"demo": "lamm_demo_plugin.adapter:CARDS"},  # the clash plugins name a module instead
}

def write_distribution(site: Path, dist: str, package: str, files: dict[str, str], entry_points: dict) -> None:
    """An installed distribution on ``site``: its import package and its ``.dist-info`` metadata."""
    (site / package).mkdir(parents=True)
    (site / package / "__init__.py").write_text("")
    for name, text in files.items():
        (site / package / name).write_text(textwrap.dedent(text))
    info = site / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    sections = [f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) for group, eps in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(sections))
    (info / "RECORD").write_text("")


def write_demo_plugin(site: Path) -> Path:
    """The demo plugin, installed on ``site``."""
    write_distribution(site, DEMO_DIST, "lamm_demo_plugin", {"tasks.py": DEMO_TASKS, "adapter.py": DEMO_ADAPTER},
                       DEMO_ENTRY_POINTS)  # fmt: skip
    return site


def write_demo_data(root: Path) -> Path:
    """A data root for the demo task: three records, one image; the adapter echoes 2 of 3 words right."""
    from PIL import Image

    (root / "2D_Benchmark/meta_file").mkdir(parents=True)
    (root / "2D_Benchmark/images").mkdir()
    Image.new("RGB", (4, 4), (200, 10, 10)).save(root / "2D_Benchmark/images/red.png")
    records = [{"id": i, "image": "images/red.png", "query": f"Say {said}", "word": word}
               for i, (said, word) in enumerate([("cat", "cat"), ("dog", "dog"), ("bird", "fish")])]  # fmt: skip
    (root / "2D_Benchmark/meta_file/Demo_Echo.json").write_text(json.dumps(records))
    return root
