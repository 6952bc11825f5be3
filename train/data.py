"""LAMM instruction data: reading and validating the meta file, the token layout and loss mask, the data order.

Pure Python (no torch), so the CLI can reject a bad file in a second. A record is
``{"image": "coco_images/x.jpg", "conversations": [{"from": "human", "value": ...}, {"from": "gpt", ...}, ...],
"task_type": "conversation"}`` (3D: ``"pcl"`` instead of ``"image"``); media paths are relative to the media
root. The sequence of one record is the reference's (``build_one_instance``/``prompt_wrap``): ``<s>``, the head
(``system + "\\n\\n### Human: <Img>"`` with ``use_system``), the visual positions, then one separately tokenized
segment per turn -- ``"</Img> " + q1 + "\\n### Assistant:"``, ``a1 + "\\n###"``, ``"Human: " + q2 +
"\\n### Assistant:"``, ``a2 + "\\n###"``, ... -- with only the gpt segments supervised, cut to ``max_tgt_len``
tokens after the visual positions. The data order is a seeded permutation per epoch, split into global batches
and then into micro batches by rank, so it is a function of (seed, step) alone and a resumed run continues it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from lamm_bench.errors import UserError
from lamm_bench.model_adapters.lamm.prompt import ANSWER_END, IGNORE, SEPARATOR, Encode, TokenLayout, head_text
from lamm_bench.train.system_messages import SYSTEM_MESSAGES

MEDIA_KEYS = {"image": "image", "point_cloud": "pcl"}
"""The record key holding the media path, per modality."""
PLACEHOLDERS = {"image": "<image>", "point_cloud": "<pcl>"}
"""Placeholder deleted from the first human turn (the visual tokens come before the text)."""
DEFAULT_TASK_TYPE = "normal"


@dataclass(frozen=True)
class Instruction:
    """One validated training record."""

    index: int
    """Position in the meta file (for messages and per-record seeds)."""
    media: str
    """Resolved path of the image or point cloud."""
    turns: tuple[tuple[str, str], ...]
    """``(human, gpt)`` pairs in order."""
    task_type: str
    """Selects the system message."""


def default_media_root(meta_path: Path) -> Path:
    """The folder above the meta file's folder (``2D_Instruct/`` for ``2D_Instruct/meta_file/x.json``)."""
    return meta_path.resolve().parent.parent


def load_instructions(
    meta_path: Path, media_root: Path, modality: str, *, use_system: bool = True, check_media: bool = True
) -> list[Instruction]:
    """Read and validate a LAMM instruction file.

    Args:
        meta_path: The JSON list of records.
        media_root: Folder the records' media paths are relative to.
        modality: ``image`` or ``point_cloud`` (which media key is required).
        use_system: Whether ``task_type`` must name a known system message.
        check_media: Whether every media file must exist.

    Returns:
        The records, in file order.

    Raises:
        UserError: One line naming the file, the record index and what is wrong.
    """
    try:
        records = json.loads(Path(meta_path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{meta_path}: instruction file not found") from None
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{meta_path}: not a readable JSON file ({' '.join(str(err).split())[:120]})") from None
    if not isinstance(records, list) or not records:
        raise UserError(f"{meta_path}: expected a non-empty JSON list of instruction records")
    return [_instruction(meta_path, media_root, modality, i, r, use_system, check_media) for i, r in enumerate(records)]


def _instruction(
    meta: Path, root: Path, modality: str, index: int, record: object, use_system: bool, check_media: bool
) -> Instruction:
    where = f"{meta}: record {index}"
    if not isinstance(record, dict):
        raise UserError(f"{where}: expected a JSON object, got {type(record).__name__}")
    key = MEDIA_KEYS[modality]
    media = record.get(key)
    if not isinstance(media, str) or not media:
        other = "pcl" if key == "image" else "image"
        hint = f" (it has {other!r}: use --set modality=...)" if other in record else ""
        raise UserError(f"{where}: missing or non-string {key!r} path{hint}")
    path = Path(media) if Path(media).is_absolute() else root / media
    if check_media and not path.is_file():
        raise UserError(f"{where}: {key} file not found: {path}")
    task_type = record.get("task_type", DEFAULT_TASK_TYPE)
    if not isinstance(task_type, str):
        raise UserError(f"{where}: 'task_type' must be a string")
    if use_system and task_type not in SYSTEM_MESSAGES:
        raise UserError(f"{where}: unknown task_type {task_type!r}; known: {', '.join(sorted(SYSTEM_MESSAGES))}")
    return Instruction(index=index, media=str(path), turns=_turns(where, record.get("conversations")),
                       task_type=task_type)  # fmt: skip


def _turns(where: str, conversations: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(conversations, list) or not conversations:
        raise UserError(f"{where}: 'conversations' must be a non-empty list")
    for i, turn in enumerate(conversations):
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            raise UserError(f"{where}: turn {i} must be an object with a string 'value'")
        expected = "human" if i % 2 == 0 else "gpt"
        if turn.get("from") != expected:
            raise UserError(f"{where}: turn {i} is from {turn.get('from')!r}, expected {expected!r} "
                            "(turns alternate human/gpt, starting with human)")  # fmt: skip
    if len(conversations) % 2:
        raise UserError(f"{where}: the conversation ends with a human turn (nothing to learn from it)")
    return tuple((conversations[i]["value"], conversations[i + 1]["value"]) for i in range(0, len(conversations), 2))


def strip_placeholder(text: str, modality: str) -> str:
    """Delete ``<image>\\n`` and ``\\n<image>`` (3D: ``<pcl>``) as the reference does for the first human turn."""
    tag = PLACEHOLDERS[modality]
    return text.replace(f"{tag}\n", "").replace(f"\n{tag}", "")


def training_head(task_type: str, modality: str, use_system: bool) -> str:
    """The text between ``<s>`` and the visual tokens."""
    if use_system:
        return f"{SYSTEM_MESSAGES[task_type]}\n\n{head_text(modality)}"
    return head_text(modality)


def turn_segments(turns: Sequence[tuple[str, str]], modality: str) -> list[tuple[str, bool]]:
    """The text segments after the visual tokens, each with whether it is supervised."""
    close = "</Img>" if modality == "image" else "</Pcl>"
    assistant = f"\n{SEPARATOR} Assistant:"
    segments: list[tuple[str, bool]] = []
    for i, (human, gpt) in enumerate(turns):
        if i == 0:
            segments.append((f"{close} {strip_placeholder(human, modality)}{assistant}", False))
        else:
            segments.append((f"Human: {human}{assistant}", False))
        segments.append((gpt + ANSWER_END, True))
    return segments


def training_layout(
    encode: Encode, bos_id: int, instruction: Instruction, *, modality: str, n_visual: int, max_tgt_len: int,
    use_system: bool,
) -> TokenLayout:  # fmt: skip
    """The token layout and labels of one record (see the module docstring).

    Args:
        encode: Segment tokenizer (SentencePiece ``encode``, no special tokens).
        bos_id: Id of ``<s>``.
        instruction: The record.
        modality: ``image`` or ``point_cloud``.
        n_visual: Visual positions.
        max_tgt_len: Text tokens kept after the visual positions.
        use_system: Whether the head carries the task's system message.

    Returns:
        The layout; ``labels`` holds the id at supervised positions and ``IGNORE`` elsewhere.
    """
    after: list[int] = []
    labels: list[int] = []
    for text, supervised in turn_segments(instruction.turns, modality):
        ids = list(encode(text))
        after += ids
        labels += ids if supervised else [IGNORE] * len(ids)
    before = (bos_id, *encode(training_head(instruction.task_type, modality, use_system)))
    return TokenLayout(before=before, n_visual=n_visual, after=tuple(after[:max_tgt_len]),
                       labels=tuple(labels[:max_tgt_len]))  # fmt: skip


def epoch_order(num_samples: int, seed: int, epoch: int) -> list[int]:
    """The shuffled record order of one epoch (a function of ``seed`` and ``epoch`` only)."""
    import numpy as np

    return np.random.default_rng([seed, epoch]).permutation(num_samples).tolist()


def rank_indices(
    num_samples: int, *, global_batch: int, micro_batch: int, world: int, rank: int, seed: int, start_step: int,
    stop_step: int,
) -> Iterator[int]:  # fmt: skip
    """Record indices one process reads, micro batch after micro batch, for optimizer steps ``[start, stop)``.

    Step ``s`` takes global batch ``s mod steps_per_epoch`` of epoch ``s // steps_per_epoch`` (incomplete batches
    dropped). Its micro batches are taken in order, ``world`` at a time, and rank ``r`` gets the ``r``-th of each
    group, so one process with accumulation ``a * world`` sees the same micro batches as ``world`` processes
    with accumulation ``a``.
    """
    per_epoch = num_samples // global_batch
    order: list[int] = []
    for step in range(start_step, stop_step):
        epoch, position = divmod(step, per_epoch)
        if position == 0 or not order:
            order = epoch_order(num_samples, seed, epoch)
        batch = order[position * global_batch : (position + 1) * global_batch]
        for start in range(rank * micro_batch, global_batch, world * micro_batch):
            yield from batch[start : start + micro_batch]
