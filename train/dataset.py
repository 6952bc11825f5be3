"""The torch side of the instruction data: a ``Dataset`` of (visual input, token layout) and the batch collation.

Images go through the reference's training transform (Resize((224, 224)) bicubic, no crop); point clouds are
subsampled to ``num_points`` with a seed fixed per record. :func:`collate` right-pads every sequence with the pad
id (``</s>``, as the reference's ``pad_token = eos_token``), builds labels (``-100`` on everything not supervised),
the attention mask (1 on real positions, visual ones included) and a mask of the visual positions, which the
model fills with the projected visual tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from lamm_bench.model_adapters.lamm.prompt import IGNORE, TokenLayout
from lamm_bench.train.config import TrainConfig
from lamm_bench.train.data import Instruction, training_layout


@dataclass(frozen=True)
class Batch:
    """One micro batch, right-padded to its longest sequence."""

    visual: torch.Tensor
    """``[B, 3, 224, 224]`` pixels or ``[B, N, 3]`` points."""
    input_ids: torch.Tensor
    """``[B, T]`` ids; the pad id at padding, 0 at visual positions (replaced by embeddings)."""
    labels: torch.Tensor
    """``[B, T]`` target ids, ``-100`` where not supervised."""
    attention_mask: torch.Tensor
    """``[B, T]`` 1 on real positions."""
    visual_mask: torch.Tensor
    """``[B, T]`` True on the visual positions (the same count in every row)."""
    indices: tuple[int, ...]
    """Record indices, for messages."""

    def to(self, device: torch.device) -> Batch:
        """The batch on ``device``."""
        moved = {k: getattr(self, k).to(device) for k in ("visual", "input_ids", "labels", "attention_mask",
                                                          "visual_mask")}  # fmt: skip
        return Batch(**moved, indices=self.indices)


class InstructionDataset(torch.utils.data.Dataset):
    """Validated records; an item is tokenized and its media loaded on access (in DataLoader workers)."""

    def __init__(self, instructions: Sequence[Instruction], tokenizer_model: str, config: TrainConfig):
        self.instructions = list(instructions)
        self.tokenizer_model = tokenizer_model
        self.config = config
        self._processor = None
        self._transform = None

    def layout(self, index: int) -> TokenLayout:
        """The token layout of record ``index`` (tokenized on first use, in the worker that reads it)."""
        if self._processor is None:
            import sentencepiece

            self._processor = sentencepiece.SentencePieceProcessor(model_file=self.tokenizer_model)
        c = self.config
        return training_layout(self._processor.encode, self._processor.bos_id(), self.instructions[index],
                               modality=c.modality, n_visual=c.num_vision_tokens, max_tgt_len=c.max_tgt_len,
                               use_system=c.use_system)  # fmt: skip

    def __len__(self) -> int:
        return len(self.instructions)

    def __getitem__(self, index: int) -> tuple[int, torch.Tensor, TokenLayout]:
        record, c = self.instructions[index], self.config
        if c.modality == "point_cloud":
            from lamm_bench.pointcloud import load_point_cloud

            points = load_point_cloud(record.media, num_points=c.num_points, seed=c.seed * 1_000_003 + index)
            return index, torch.from_numpy(points[:, :3].copy()), self.layout(index)
        from lamm_bench.model_adapters.lamm.vision import image_transform, open_image

        if self._transform is None:
            self._transform = image_transform("squash")
        return index, self._transform(open_image([record.media])), self.layout(index)


def collate(items: Sequence[tuple[int, torch.Tensor, TokenLayout]], pad_id: int) -> Batch:
    """Stack visual inputs and right-pad the layouts into one :class:`Batch`."""
    width = max(layout.length for _, _, layout in items)
    shape = (len(items), width)
    ids = torch.full(shape, pad_id, dtype=torch.long)
    labels = torch.full(shape, IGNORE, dtype=torch.long)
    mask = torch.zeros(shape, dtype=torch.long)
    visual_mask = torch.zeros(shape, dtype=torch.bool)
    for row, (_, _, layout) in enumerate(items):
        n = layout.length
        ids[row, :n] = torch.tensor(layout.full_ids(visual_id=0))
        labels[row, :n] = torch.tensor(layout.full_labels())
        mask[row, :n] = 1
        start = len(layout.before)
        visual_mask[row, start : start + layout.n_visual] = True
    return Batch(visual=torch.stack([v for _, v, _ in items]), input_ids=ids, labels=labels, attention_mask=mask,
                 visual_mask=visual_mask, indices=tuple(i for i, _, _ in items))  # fmt: skip
