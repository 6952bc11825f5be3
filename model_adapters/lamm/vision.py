"""LAMM's 2D vision side: the OpenAI CLIP ViT-L/14 tower through open_clip, its patch features and both transforms.

The tower is loaded the way open_clip loads OpenAI's file (``create_model(name, pretrained=<file>)``, strict),
with QuickGELU forced because OpenAI's weights were trained with it (open_clip only sets it by itself for the
``openai`` tag, not for a file path). LAMM feeds the LLM the 256 patch tokens of the last transformer block,
before ``ln_post`` and before ``proj``. Two preprocessing paths exist in the reference and both are kept:
``squash`` (Resize((224, 224)) bicubic, the training/PPL path) and ``center_crop`` (Resize(224) bicubic +
CenterCrop(224), the generation path).
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lamm_bench.errors import UserError

if TYPE_CHECKING:
    from lamm_bench.media import Media

logger = logging.getLogger(__name__)

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
IMAGE_SIZE = 224


def _is_torchscript(path: Path) -> bool:
    """OpenAI's ``ViT-L-14.pt`` is a TorchScript archive (a zip with a ``code/`` folder)."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name or name.startswith("code/") for name in archive.namelist())


def register_clip_configs(folder: str | Path, *, who: str) -> None:
    """Make the open_clip model configs (``*.json``) in ``folder`` known to open_clip, for custom towers.

    Raises:
        UserError: ``folder`` is not a directory.
    """
    import open_clip

    if not Path(folder).is_dir():
        raise UserError(f"{who}: clip_config_dir {folder} is not a folder")
    open_clip.add_model_config(Path(folder))


def load_clip_visual(path: Path, model_name: str = "ViT-L-14"):
    """Load the CLIP vision tower from a local file, checking every vision key.

    The file is read the way open_clip reads checkpoints (``open_clip.factory.load_state_dict``: a JIT
    archive's ``state_dict()``, a ``{"state_dict": ...}`` wrapper, a DDP ``module.`` prefix), and its
    ``visual.*`` tensors must fill the tower exactly; text-tower tensors are not needed.

    Args:
        path: OpenAI's JIT ``ViT-L-14.pt`` or a CLIP state dict with open_clip/OpenAI key names.
        model_name: open_clip model config.

    Returns:
        The frozen ``VisionTransformer`` (eval mode, float32, on CPU).

    Raises:
        UserError: The file cannot be read, or its vision keys or shapes do not fit the tower.
    """
    import open_clip
    from open_clip.factory import load_state_dict

    # A TorchScript archive cannot go through torch.load(weights_only=True); torch.load then dispatches to
    # torch.jit.load, which runs no pickled Python. Plain state dicts stay on the safe loader.
    try:
        state = load_state_dict(str(path), weights_only=not _is_torchscript(path))
    except Exception as err:  # noqa: BLE001 - any unreadable file is the user's to fix
        message = " ".join(str(err).split())[:200]
        raise UserError(f"{path}: cannot read as a CLIP checkpoint ({message})") from None
    visual_state = {k[len("visual."):]: v for k, v in state.items() if k.startswith("visual.")}
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # open_clip warns "initialized randomly"; the weights follow right away
    try:
        visual = open_clip.create_model(model_name, force_quick_gelu=True, device="cpu").visual
    finally:
        logging.disable(previous)
    own = visual.state_dict()
    missing = sorted(own.keys() - visual_state.keys())
    unexpected = sorted(visual_state.keys() - own.keys())
    wrong = sorted(k for k in own.keys() & visual_state.keys() if own[k].shape != visual_state[k].shape)
    if missing or unexpected or wrong:
        report = "; ".join(
            f"{len(keys)} {label} key(s): {', '.join(keys[:4])}"
            for label, keys in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong))
            if keys
        )
        raise UserError(f"{path}: not a CLIP {model_name} vision tower: {report}")
    visual.load_state_dict(visual_state)
    visual.requires_grad_(False)
    return visual.eval().float()


def patch_features(visual, pixels):
    """The patch tokens of the last transformer block, before ``ln_post`` and ``proj``.

    Args:
        visual: An open_clip ``VisionTransformer``.
        pixels: ``[B, 3, H, W]`` normalized images, in the tower's dtype.

    Returns:
        ``[B, grid**2, width]`` (``[B, 256, 1024]`` for ViT-L/14 at 224).
    """
    import torch

    x = visual.conv1(pixels)
    x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
    cls = visual.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
    x = torch.cat([cls, x], dim=1) + visual.positional_embedding.to(x.dtype)
    x = visual.ln_pre(x)
    x = run_transformer(visual.transformer, x)
    return x[:, 1:, :]


def run_transformer(transformer, x):
    """Run open_clip's ``Transformer`` on batch-first ``x`` ``[B, L, D]``, whichever layout it takes.

    open_clip 2.26 made the stack take batch-first input (it has a ``batch_first`` attribute and transposes
    inside when that is false); before, ``Transformer.forward`` expected ``[L, B, D]`` and the caller permuted.
    Feeding batch-first input to the old layout does not fail: attention then runs across the images of a batch,
    at each position, and every feature is silently wrong. ``pyproject.toml`` requires 2.26 or later; the old
    layout is still handled here in case an older open_clip is installed.
    """
    if hasattr(transformer, "batch_first"):
        return transformer(x)
    return transformer(x.permute(1, 0, 2)).permute(1, 0, 2)


def image_transform(mode: str):
    """The torchvision transform of one preprocessing path: :func:`resize_transform` then :func:`tensor_transform`.

    Args:
        mode: ``squash`` (training/PPL: Resize((224, 224)) bicubic) or ``center_crop`` (generation:
            Resize(224) bicubic + CenterCrop(224)).
    """
    from torchvision import transforms

    return transforms.Compose([resize_transform(mode), tensor_transform()])


def resize_transform(mode: str):
    """The PIL steps of one preprocessing path (``mode`` as :func:`image_transform`'s): a 224x224 RGB image, the
    input of :func:`tensor_transform`."""
    from torchvision import transforms

    bicubic = transforms.InterpolationMode.BICUBIC
    to_rgb = transforms.Lambda(_to_rgb)
    # Each path keeps the reference's order: CLIP's _transform resizes the file's own mode, then converts;
    # the generation datasets convert to RGB when they open the image.
    if mode == "squash":
        steps = [transforms.Resize((IMAGE_SIZE, IMAGE_SIZE), interpolation=bicubic), to_rgb]
    elif mode == "center_crop":
        steps = [to_rgb, transforms.Resize(IMAGE_SIZE, interpolation=bicubic), transforms.CenterCrop(IMAGE_SIZE)]
    else:
        raise ValueError(f"unknown image transform {mode!r}")
    return transforms.Compose(steps)


def tensor_transform():
    """The tensor steps shared by both paths: ``ToTensor`` and CLIP's normalization."""
    from torchvision import transforms

    return transforms.Compose([transforms.ToTensor(), transforms.Normalize(CLIP_MEAN, CLIP_STD)])


def _to_rgb(image):
    return image.convert("RGB")


def open_image(paths: Sequence[str], media: Media | None = None):
    """Open a request's image(s) as one PIL image (in the file's own mode when there is one image).

    LAMM takes one image; several are converted to RGB and put side by side as ChEF's ``horizontal_concat``
    does. ``media``: the batch's images decoded by the runner; one that is not there is decoded here.

    Raises:
        UserError: No image, or a file that cannot be read as an image.
    """
    from PIL import Image, UnidentifiedImageError

    from lamm_bench.media import NO_MEDIA

    if not paths:
        raise UserError("the lamm adapter needs an image for a 2D request, and this request has none")
    images = []
    for path in paths:
        try:
            images.append((media or NO_MEDIA).image(path))
        except (OSError, UnidentifiedImageError) as err:
            raise UserError(f"{path}: cannot read image ({err.__class__.__name__})") from None
    if len(images) == 1:
        return images[0]
    images = [im.convert("RGB") for im in images]
    height = max(im.height for im in images)
    canvas = Image.new("RGB", (sum(im.width for im in images), height))
    x = 0
    for im in images:
        canvas.paste(im, (x, 0))
        x += im.width
    return canvas
