"""The LAMM vision tower's patch tokens against a pass over open_clip's modules written out by hand, for both of
open_clip's transformer layouts (sequence-first before 2.26, batch-first since)."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("open_clip")

def _tiny_visual(layers: int = 2):
    """A tiny random open_clip ViT (patch 14 at 56 pixels: 16 patch tokens), QuickGELU, eval mode."""
    import open_clip
    from open_clip.model import CLIPVisionCfg, _build_vision_tower

    torch.manual_seed(5)
    cfg = CLIPVisionCfg(layers=layers, width=32, head_width=8, patch_size=14, image_size=56)
    visual = _build_vision_tower(16, cfg, quick_gelu=True)
    assert isinstance(visual, open_clip.transformer.VisionTransformer)
    for p in visual.parameters():  # layer norms start at 1/0: make them matter too
        p.data.add_(torch.randn_like(p) * 0.05)
    return visual.eval()


def _manual_patch_tokens(visual, pixels: torch.Tensor) -> torch.Tensor:
    """LAMM's CLIP features written out by hand, one image at a time, from the modules' weights: conv1, class
    embedding, positional embedding, ln_pre, every residual block (multi-head attention and QuickGELU MLP),
    then the CLS token dropped and nothing after the last block (no ln_post, no proj)."""
    out = []
    for image in pixels:
        x = visual.conv1(image[None])[0].flatten(1).T  # [grid*grid, width]
        x = torch.cat([visual.class_embedding[None], x]) + visual.positional_embedding
        x = visual.ln_pre(x)
        for block in visual.transformer.resblocks:
            attn = block.attn
            heads, width = attn.num_heads, x.shape[-1]
            q, k, v = (block.ln_1(x) @ attn.in_proj_weight.T + attn.in_proj_bias).split(width, dim=-1)
            q, k, v = (t.reshape(-1, heads, width // heads).transpose(0, 1) for t in (q, k, v))
            weights = (q @ k.transpose(1, 2) / (width // heads) ** 0.5).softmax(-1)
            mixed = (weights @ v).transpose(0, 1).reshape(-1, width)
            x = x + mixed @ attn.out_proj.weight.T + attn.out_proj.bias
            h = block.ln_2(x) @ block.mlp.c_fc.weight.T + block.mlp.c_fc.bias
            h = h * torch.sigmoid(1.702 * h)  # QuickGELU, as OpenAI's CLIP was trained
            x = x + h @ block.mlp.c_proj.weight.T + block.mlp.c_proj.bias
        out.append(x[1:])
    return torch.stack(out)


class _SequenceFirst(torch.nn.Module):
    """open_clip's transformer before 2.26: ``[L, B, D]`` in and out, no ``batch_first`` attribute."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return self.inner(x.transpose(0, 1)).transpose(0, 1)


@pytest.mark.parametrize("layout", ["batch_first", "sequence_first"])
def test_patch_features_equal_a_manual_pass_over_open_clips_modules(layout):
    from lamm_bench.model_adapters.lamm.vision import patch_features

    visual = _tiny_visual()
    pixels = torch.randn(3, 3, 56, 56, generator=torch.Generator().manual_seed(6))  # three different images
    with torch.no_grad():
        expected = _manual_patch_tokens(visual, pixels)
        if layout == "sequence_first":  # what open_clip < 2.26 takes; fed batch-first, it mixes the images
            visual.transformer = _SequenceFirst(visual.transformer)
            assert not hasattr(visual.transformer, "batch_first")
        got = patch_features(visual, pixels)
        alone = torch.cat([patch_features(visual, pixels[i : i + 1]) for i in range(3)])
    assert got.shape == (3, 16, 32)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got, alone, atol=1e-5, rtol=1e-4)  # an image's features do not depend on its batch
    assert not torch.allclose(got[0], got[1])


def test_open_clip_requirement_excludes_the_sequence_first_releases():
    import tomllib

    from packaging.requirements import Requirement

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    deps = [Requirement(d) for group in pyproject["project"]["optional-dependencies"].values() for d in group]
    [clip] = [d for d in deps if d.name.replace("_", "-") == "open-clip-torch"]
    assert not clip.specifier.contains("2.24.0") and not clip.specifier.contains("2.25.0")
    from importlib.metadata import version

    assert clip.specifier.contains(version("open_clip_torch"))  # the version the suite runs (docs/versions.md)
