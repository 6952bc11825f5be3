"""The built-in tiny LAMM models: lamm-mini, the tiny base and the deltas, each built into the cache on first use.

Four cards share one base (:mod:`lamm_bench.demo.tiny_base`): ``lamm-tiny`` (2D) and ``lamm3d-tiny`` (3D) are
trained by lamm-bench's own trainer (``lamm-bench train --preset tiny`` / ``tiny-3d``, in a child process) on
lamm-mini's train split; ``lamm-tiny-base`` and ``lamm3d-tiny-base`` are the delta that training starts from (the
trainer's step-0 model: ``llama_proj`` initialized, LoRA B zero), so each baseline differs from its trained model
by the training alone. Cache layout (``$LAMM_BENCH_CACHE``, default ``~/.cache/lamm-bench``)::

    lamm-mini-v<version>-seed0/        the data the cards train on (`lamm-bench data mini`'s layout)
    tiny/base-<key>/                   the base; key: BASE_VERSION, sizes, and what the tokenizer corpus is
    tiny/<card>-<key>/pytorch_model.pt the delta; key: the base's key, the training config, and (trained cards)
                                       what the training data is

What the data is: on the cards' own lamm-mini (no ``data_root``), its version and seed, which decide its bytes (and,
for the base, the SHA-256 of the system messages and scaffolding the corpus ends with); on a given ``data_root``, the
SHA-256 of the tokenizer corpus, of the instruction file and the data root's identity.
:func:`plan` resolves names and keys without writing anything (``describe()`` names the keys);
:func:`materialize` builds what is missing, lamm-mini first. It is safe to call from several processes at once.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from lamm_bench.demo import tiny_base
from lamm_bench.demo.tiny_cache import cache_root, ensure_entry, file_digest, key_of
from lamm_bench.errors import UserError

logger = logging.getLogger(__name__)

PRESETS = {"image": "tiny", "point_cloud": "tiny-3d"}
"""The training preset of each modality (``train/config.py``)."""
NAMES = {"image": "lamm-tiny", "point_cloud": "lamm3d-tiny"}
"""The trained card of each modality; its untrained baseline is the same name with ``-base``."""
MINI_SEED = 0
TRAIN_THREADS = 2
"""CPU threads of the training child unless ``$OMP_NUM_THREADS`` says otherwise (a fixed count: the same weights
on every machine)."""
NOT_WEIGHTS = ("clip_config_dir", "debug_grads", "num_workers", "save_every", "keep_checkpoints", "log_every")
"""Training settings that do not change the weights (left out of the cache key)."""
_LAUNCHER_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK", "MASTER_ADDR",
                 "MASTER_PORT", "TORCHELASTIC_RUN_ID")  # fmt: skip


@dataclass(frozen=True)
class Base:
    """A built (or to-be-built) base in the cache."""

    folder: Path
    key: str
    payload: dict = field(default_factory=dict)
    """What the key is computed from."""

    @property
    def llm(self) -> Path:
        return self.folder / tiny_base.LLM_DIR

    @property
    def clip(self) -> Path:
        return self.folder / tiny_base.CLIP_FILE

    @property
    def epcl(self) -> Path:
        return self.folder / tiny_base.EPCL_FILE

    @property
    def clip_config_dir(self) -> Path:
        return self.folder / tiny_base.CLIP_CONFIG_DIR


@dataclass(frozen=True)
class Plan:
    """One card, resolved: which data, which base, which delta (nothing heavy built yet)."""

    name: str
    """``lamm-tiny``, ``lamm-tiny-base``, ``lamm3d-tiny`` or ``lamm3d-tiny-base``."""
    modality: str
    trained: bool
    data_root: Path
    """The lamm-mini root the tokenizer corpus and (trained cards) the instruction file come from."""
    own_data: bool
    """``data_root`` is the cards' own lamm-mini in the cache, written by :func:`materialize` if it is not there."""
    base: Base
    config: object
    """The :class:`~lamm_bench.train.config.TrainConfig` the delta is (or starts) trained with."""
    delta_folder: Path
    payload: dict
    """What the delta's key is computed from."""

    @property
    def key(self) -> str:
        return self.delta_folder.name.rsplit("-", 1)[1]

    @property
    def delta(self) -> Path:
        return self.delta_folder / "pytorch_model.pt"


def mini_payload() -> dict:
    """What the cards' own lamm-mini is: its version and seed (the same version and seed write the same bytes)."""
    from lamm_bench.demo.contract import MINI_VERSION

    return {"lamm_mini": MINI_VERSION, "seed": MINI_SEED}


def mini_folder(cache: Path) -> Path:
    """Where the cards' own lamm-mini is kept in the cache (nothing is written)."""
    payload = mini_payload()
    return cache / f"lamm-mini-v{payload['lamm_mini']}-seed{payload['seed']}"


def mini_root(cache: Path) -> Path:
    """lamm-mini (seed 0) in the cache, written with ``build_lamm_mini`` over every built-in task on first use."""

    def build(staging: Path) -> None:
        from lamm_bench import registry
        from lamm_bench.demo.build import build_lamm_mini, require_demo_packages

        require_demo_packages()
        logger.warning("writing lamm-mini into %s (once)", cache)
        try:
            build_lamm_mini(staging, list(registry.builtin_tasks().values()), seed=MINI_SEED)
        except UserError as err:
            raise UserError(f"the built-in tiny models train on lamm-mini, which cannot be written: {err}") from None

    return _ensure(mini_folder(cache), mini_payload(), build, digest=False)


def _ensure(folder: Path, payload: dict, build, *, digest: bool = True) -> Path:
    try:
        return ensure_entry(folder, payload, build, digest=digest)
    except OSError as err:
        raise UserError(f"cannot write the built-in model cache at {folder.parent} ({err.strerror or err}); set "
                        "LAMM_BENCH_CACHE to a writable folder") from None  # fmt: skip


def lamm_mini_root_of(path: Path) -> Path | None:
    """The lamm-mini data root a file lies in (``ROOT/2D_Instruct/meta_file/x.json`` -> ``ROOT``), if any."""
    from lamm_bench.data import DATASET_FILE

    for parent in Path(path).resolve().parents[:4]:
        if (parent / DATASET_FILE).is_file():
            return parent
    return None


def _base(corpus: dict, cache: Path) -> Base:
    payload = {"base_version": tiny_base.BASE_VERSION, "spec": dataclasses.asdict(tiny_base.SPEC), **corpus}
    key = key_of(payload)
    return Base(folder=cache / "tiny" / f"base-{key}", key=key, payload=payload)


def base_for(lines: list[str], cache: Path) -> Base:
    """The base whose tokenizer is trained on ``lines`` (its folder; built by :func:`ensure_base`)."""
    return _base({"corpus_sha256": tiny_base.corpus_digest(lines)}, cache)


def _build_base(base: Base, lines: list[str]) -> Base:
    def build(staging: Path) -> None:
        logger.warning("building the built-in tiny base into %s (once)", base.folder)
        tiny_base.build_base(staging, lines)

    _ensure(base.folder, base.payload, build)
    return base


def ensure_base(lines: list[str], cache: Path) -> Base:
    """Build the base for ``lines`` into the cache unless it is there; returns it."""
    return _build_base(base_for(lines, cache), lines)


def base_for_training(data: Path, cache: str | None = None) -> Base:
    """The base ``lamm-bench train --preset tiny`` uses when no weights are given: its tokenizer is trained on the
    text of the lamm-mini root ``data`` lies in (then it is the base of the cards given that ``data_root``), else on
    ``data``'s own text."""
    root = lamm_mini_root_of(data)
    files = tiny_base.data_files(root) if root is not None else [Path(data)]
    return ensure_base(tiny_base.corpus(files), cache_root(cache))


def training_base(config, data: Path, overrides) -> tuple[object, dict[str, str]]:
    """What ``lamm-bench train --preset tiny|tiny-3d`` trains when no weights are given: the built-in tiny base (built
    into ``$LAMM_BENCH_CACHE`` on first use, :func:`base_for_training`) as ``--model-arg`` paths, and the training
    configuration with its open_clip config folder (unless ``--set clip_config_dir`` chose one)."""
    base = base_for_training(data)
    args = {"llm": str(base.llm), "clip": str(base.clip), "epcl": str(base.epcl)}
    if not any(pair.partition("=")[0].strip() == "clip_config_dir" for pair in overrides):
        config = dataclasses.replace(config, clip_config_dir=str(base.clip_config_dir))
    return config, args


def weights_config(config) -> dict:
    """The training settings that decide the weights (the cache key's part of the config)."""
    return {k: v for k, v in config.to_dict().items() if k not in NOT_WEIGHTS}


def _instruct_file(root: Path, modality: str) -> Path:
    from lamm_bench.demo.build import INSTRUCT_FILES

    return root / INSTRUCT_FILES["2d" if modality == "image" else "3d"]


def _given_data(root: Path, modality: str, cache: Path) -> tuple[Base, dict]:
    """The base and the training data's part of the delta key for a given data root: digests of its files."""
    from lamm_bench.data import dataset_identity

    instruct = _instruct_file(root, modality)
    if not instruct.is_file():
        raise UserError(f"data_root {root}: no {instruct.relative_to(root)} to train the built-in model on (write "
                        "lamm-mini with `lamm-bench data mini --out DIR`)")  # fmt: skip
    base = base_for(tiny_base.corpus(tiny_base.data_files(root)), cache)
    return base, {"instruct_sha256": file_digest(instruct), "dataset": dataset_identity(root)}


def plan(modality: str, trained: bool, *, data_root: str | None = None, cache: str | None = None,
         max_steps: int = 0) -> Plan:  # fmt: skip
    """Resolve one card: its data root (lamm-mini in the cache unless given), base and delta keys. Writes nothing:
    on the cards' own lamm-mini the keys follow its version and seed, which decide its bytes.

    Raises:
        UserError: The given data root is not lamm-mini-shaped.
    """
    from lamm_bench.train.config import apply_overrides, preset

    folder = cache_root(cache)
    if data_root:
        root = Path(data_root).expanduser()
        base, data = _given_data(root, modality, folder)
    else:
        root = mini_folder(folder)
        fixed = tiny_base.corpus_digest(tiny_base.fixed_texts())  # the corpus's part that is not lamm-mini's
        base, data = _base({"corpus": {**mini_payload(), "fixed_sha256": fixed}}, folder), {"lamm_mini": mini_payload()}
    config = apply_overrides(preset(PRESETS[modality]), {"max_steps": str(max_steps)} if max_steps else {})
    name = NAMES[modality] + ("" if trained else "-base")
    payload: dict = {"card": name, "base": base.key, "config": weights_config(config)}
    if trained:
        from lamm_bench.demo.tiny_data import FORM_VERSION, paper_systems

        payload["data"] = {**data, "form": FORM_VERSION, "systems": key_of(paper_systems())}
    return Plan(name=name, modality=modality, trained=trained, data_root=root, own_data=not data_root, base=base,
                config=config, delta_folder=folder / "tiny" / f"{name}-{key_of(payload)}", payload=payload)  # fmt: skip


def materialize(card: Plan) -> Plan:
    """Build what the card needs into the cache if it is not there: the cards' own lamm-mini (unless a data root
    was given), the base, and the delta (training on first use)."""
    cache = card.delta_folder.parent.parent
    if card.own_data:
        mini_root(cache)
    _build_base(card.base, tiny_base.corpus(tiny_base.data_files(card.data_root)))
    if card.trained:
        instruct = _instruct_file(card.data_root, card.modality)
        _ensure(card.delta_folder, card.payload, lambda staging: train_delta(card, instruct, staging))
    else:
        _ensure(card.delta_folder, card.payload, lambda staging: initial_delta(card, staging))
    return card


def _trainer_args(card: Plan, instruct: Path, output: Path) -> list[str]:
    base = card.base
    args = ["train", "--preset", PRESETS[card.modality], "--data", str(instruct), "--output", str(output),
            "--no-resume", "--model-arg", f"llm={base.llm}", "--model-arg", f"clip={base.clip}",
            "--set", f"clip_config_dir={base.clip_config_dir}"]  # fmt: skip
    if card.modality == "point_cloud":
        args += ["--model-arg", f"epcl={base.epcl}"]
    if card.config.max_steps:
        args += ["--max-steps", str(card.config.max_steps)]
    return args


def train_delta(card: Plan, instruct: Path, output: Path) -> None:
    """Train the card's delta into ``output`` with ``lamm-bench train`` in a child process (on the CPU, outside any
    torchrun world, so every process and machine trains the same weights), its progress bar on stderr. The data is
    ``instruct`` in the evaluation prompt's form (:mod:`lamm_bench.demo.tiny_data`), kept as ``train.json``."""
    import shutil

    from lamm_bench.demo.tiny_data import FILE, evaluation_form

    data = evaluation_form(instruct, instruct.parent.parent, output / FILE)
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCHER_ENV and not k.startswith("ACCELERATE_")}
    env.update(CUDA_VISIBLE_DEVICES="", HF_HUB_OFFLINE="1")
    env.setdefault("OMP_NUM_THREADS", str(TRAIN_THREADS))
    if sys.stderr.isatty():  # the child's stderr is a pipe; let rich draw its bar anyway
        env.update(TTY_COMPATIBLE="1", TTY_INTERACTIVE="1")
    logger.warning("training %s on first use with `lamm-bench train --preset %s` (cached in %s)", card.name,
                   PRESETS[card.modality], card.delta_folder)  # fmt: skip
    command = [sys.executable, "-m", "lamm_bench", *_trainer_args(card, data, output)]
    code, error = _run_forwarding_stderr(command, env)
    if code == 2:
        raise UserError(f"training {card.name} failed: {error or 'see the messages above'}")
    if code != 0:
        raise RuntimeError(f"training {card.name} failed (exit {code}): {' '.join(command)}")
    for scratch in ("checkpoints", "tensorboard"):
        shutil.rmtree(output / scratch, ignore_errors=True)


def _run_forwarding_stderr(command: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``command``; forward its stderr as it comes, except a final ``lamm-bench: error:`` line, returned."""
    marker = b"lamm-bench: error: "
    held = b""
    with subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE) as child:  # fmt: skip
        for chunk in iter(lambda: os.read(child.stderr.fileno(), 1 << 16), b""):
            if not held and marker in chunk:
                at = chunk.index(marker)
                chunk, held = chunk[:at], chunk[at:]
            elif held:
                held, chunk = held + chunk, b""
            sys.stderr.buffer.write(chunk) if hasattr(sys.stderr, "buffer") else sys.stderr.write(chunk.decode())
            sys.stderr.flush()
        code = child.wait()
    error = held[len(marker):].decode("utf-8", "replace").strip() if held else ""
    if code != 2 and error:  # not a user error after all: show it as it was
        sys.stderr.write(held.decode("utf-8", "replace"))
    return code, error


def initial_delta(card: Plan, output: Path) -> None:
    """Write the trainer's step-0 delta (``initial_model``'s trainable tensors) into ``output``."""
    import torch

    from lamm_bench.model_adapters.lamm.config import WeightPaths
    from lamm_bench.train.checkpoint import DELTA, save_delta, trainable_state
    from lamm_bench.train.model import initial_model

    base = card.base
    config = dataclasses.replace(card.config, clip_config_dir=str(base.clip_config_dir))
    weights = WeightPaths(llm=base.llm, clip=base.clip, delta=None,
                          epcl=base.epcl if card.modality == "point_cloud" else None)  # fmt: skip
    with torch.random.fork_rng(devices=[]):  # the caller's RNG stream is not this function's to move
        model = initial_model(config, weights, torch.float32, torch.device("cpu"))
    save_delta(trainable_state(model), output / DELTA, card.config.save_dtype)
    (output / "init.json").write_text(json.dumps({"config": weights_config(card.config), "step": 0}, indent=1) + "\n")


def lamm_args(card: Plan) -> dict[str, str]:
    """The ``lamm`` adapter's arguments that load this card from the cache (after :func:`materialize`)."""
    c, base = card.config, card.base
    args = {"llm": str(base.llm), "clip": str(base.clip), "delta": str(card.delta), "modality": card.modality,
            "clip_model": c.clip_model, "clip_config_dir": str(base.clip_config_dir), "lora_r": str(c.lora_r),
            "lora_alpha": str(c.lora_alpha), "num_vision_tokens": str(c.num_vision_tokens)}  # fmt: skip
    if card.modality == "point_cloud":
        args["epcl"] = str(base.epcl)
    return args
