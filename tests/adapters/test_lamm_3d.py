"""Tests of LAMM's 3D side: pure-torch point sampling/grouping against loop references, EPCL loading, 3D requests."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("open_clip")

from lamm_bench.errors import UserError  # noqa: E402
from lamm_bench.model_adapters.lamm.adapter import LammAdapter  # noqa: E402
from lamm_bench.model_adapters.lamm.epcl import EpclEncoder, ball_query, build_epcl, furthest_point_sample  # noqa: E402
from lamm_bench.records import GenerationSettings, Request  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import tiny_lamm  # noqa: E402

SYS3D = "\nYou are an AI visual assistant that can analyze a 3D point cloud.\n"


def fps_loop(xyz: np.ndarray, npoint: int) -> list[int]:
    """The pointnet2 FPS kernel written as plain loops (start at 0, skip points within 1e-3 of the origin)."""
    temp = np.full(len(xyz), 1e10)
    chosen, old = [0], 0
    for _ in range(1, npoint):
        best, besti = -1.0, 0
        for k, p in enumerate(xyz):
            if float(p @ p) <= 1e-3:
                continue
            d = min(float(((p - xyz[old]) ** 2).sum()), temp[k])
            temp[k] = d
            if d > best:
                best, besti = d, k
        old = besti
        chosen.append(old)
    return chosen


def ball_loop(xyz: np.ndarray, centers: np.ndarray, radius: float, nsample: int) -> list[list[int]]:
    """The pointnet2 ball-query kernel as loops: first nsample points inside, padded with the first; 0 if none."""
    out = []
    for c in centers:
        idx, cnt = [0] * nsample, 0
        for k, p in enumerate(xyz):
            if cnt >= nsample:
                break
            if float(((c - p) ** 2).sum()) < radius * radius:
                if cnt == 0:
                    idx = [k] * nsample
                idx[cnt] = k
                cnt += 1
        out.append(idx)
    return out


def test_farthest_point_sampling_matches_the_kernel_rules():
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(200, 3)).astype(np.float32)
    xyz[5] = 0.0  # near the origin: never chosen
    xyz[7] = [0.01, 0.0, 0.0]
    got = furthest_point_sample(torch.from_numpy(xyz)[None], 32)[0].tolist()
    assert got == fps_loop(xyz, 32)
    assert 5 not in got[1:] and 7 not in got[1:]
    assert len(set(got)) == 32


def test_ball_query_matches_the_kernel_rules():
    rng = np.random.default_rng(1)
    xyz = rng.uniform(-1, 1, size=(150, 3)).astype(np.float32)
    centers = np.concatenate([xyz[:6], [[10.0, 10.0, 10.0]]]).astype(np.float32)  # the last ball is empty
    for radius, nsample in ((0.3, 8), (0.6, 16), (5.0, 4)):
        got = ball_query(torch.from_numpy(xyz)[None], torch.from_numpy(centers)[None], radius, nsample, chunk=3)
        assert got[0].tolist() == ball_loop(xyz, centers, radius, nsample)
    assert got[0, -1].tolist() == [0, 0, 0, 0]


def test_sampling_and_grouping_follow_the_kernel_on_repeated_points_in_a_batch():
    # lamm-mini's scenes are upsampled with repeats, so equal distances (argmax ties) are the common case.
    rng = np.random.default_rng(2)
    scenes = [rng.uniform(-1, 1, size=(40, 3)).astype(np.float32)[rng.integers(0, 40, 300)] for _ in range(2)]
    xyz = np.stack(scenes)
    got = furthest_point_sample(torch.from_numpy(xyz), 24)
    assert [row.tolist() for row in got] == [fps_loop(scene, 24) for scene in scenes]
    centers = np.stack([scene[:5] for scene in scenes])
    balls = ball_query(torch.from_numpy(xyz), torch.from_numpy(centers), 0.4, 16, chunk=2)
    assert [row.tolist() for row in balls] == [ball_loop(s, c, 0.4, 16) for s, c in zip(scenes, centers)]


def test_ball_query_with_fewer_points_than_samples_pads_with_the_first():
    xyz = torch.tensor([[[0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [5.0, 0.0, 0.0]]])
    got = ball_query(xyz, xyz[:, :1], 0.5, 6)
    assert got[0, 0].tolist() == [0, 1, 0, 0, 0, 0]


def test_epcl_module_names_are_the_checkpoint_keys(root):
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    visual = load_clip_visual(root / "clip" / "ViT-L-14.pt", tiny_lamm.CLIP_NAME)
    keys = set(EpclEncoder(tiny_lamm.epcl_args(), visual).state_dict())
    for key in (
        "pre_encoder.mlp_module.layer0.conv.weight",
        "pre_encoder.mlp_module.layer0.bn.bn.running_mean",
        "pre_encoder.mlp_module.layer2.bn.bn.num_batches_tracked",
        "encoder.pos_embed.0.weight",
        "encoder.pos_embed.2.bias",
        "encoder.clip_vit.transformer.resblocks.0.attn.in_proj_weight",
        "encoder.clip_vit.ln_pre.weight",
        "te_encoder.embedding.weight",
        "te_encoder.trans.2.weight",
    ):
        assert key in keys
    assert not any(k.startswith("pre_encoder.mlp_module.layer3") for k in keys)


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tiny_lamm.shared_root(tmp_path_factory)


@pytest.fixture(scope="module")
def adapter3d(root) -> LammAdapter:
    adapter = LammAdapter({**tiny_lamm.TINY_ARGS, "models_root": str(root), "modality": "point_cloud"})
    adapter.load()
    return adapter


@pytest.fixture(scope="module")
def scene(tmp_path_factory) -> str:
    rng = np.random.default_rng(4)
    points = np.concatenate([rng.uniform(-2, 2, size=(1500, 3)), rng.uniform(0, 255, size=(1500, 3))], axis=1)
    path = tmp_path_factory.mktemp("scenes") / "scene0000_00_vert.npy"
    np.save(path, points.astype(np.float32))
    return str(path)


def test_epcl_checkpoint_missing_an_encoder_key_is_refused(root, tmp_path):
    from lamm_bench.model_adapters.lamm.vision import load_clip_visual

    ckpt = torch.load(root / tiny_lamm.EPCL_RELATIVE, weights_only=False)
    del ckpt["model"]["encoder.pos_embed.2.weight"]
    path = tmp_path / "epcl.pth"
    torch.save(ckpt, path)
    with pytest.raises(UserError, match="1 missing key.*encoder.pos_embed.2.weight"):
        build_epcl(path, load_clip_visual(root / "clip" / "ViT-L-14.pt", tiny_lamm.CLIP_NAME))


def test_epcl_checkpoint_args_are_read_with_the_safe_loader(root):
    from lamm_bench.model_adapters.lamm.epcl import read_epcl_checkpoint

    args, state = read_epcl_checkpoint(root / tiny_lamm.EPCL_RELATIVE)
    assert isinstance(args, argparse.Namespace) and args.preenc_npoints == 256
    assert "decoder.layers.0.linear1.weight" in state  # present in the file, ignored by build_epcl


def test_point_cloud_gives_256_visual_tokens_of_the_llm_width(adapter3d, scene):
    model = adapter3d.model
    points = torch.from_numpy(np.load(scene)[:2048, :3])[None]
    raw = model.visual_encoder(points)
    assert raw.shape == (1, 256, tiny_lamm.VISION_WIDTH)
    assert torch.isfinite(raw).all()
    projected = model.encode_points(points)
    assert projected.shape == (1, 256, tiny_lamm.HIDDEN)
    torch.testing.assert_close(projected, model.llama_proj(raw))


def test_3d_requests_use_img_tags_under_the_paper_protocol_pcl_under_chef_and_run(adapter3d, scene):
    tok = adapter3d.model.tokenizer
    request = Request(sample_id="s", kind="generate", system=SYS3D, text="Describe the scene.", point_cloud=scene,
                      num_points=2048, generation=GenerationSettings(max_new_tokens=6))
    prompt = SYS3D + "### Human: Describe the scene.\n" + "\n### Assistant:"
    (layout,) = adapter3d.generation_layouts([request])  # 97cdc1c inference_3d.py never set vision_type=pcl
    assert layout.before == (tok.bos_id, *tok.encode("### Human: <Img>"))
    assert list(layout.after) == tok.encode("</Img> " + prompt)
    (chef,) = adapter3d.generation_layouts([dataclasses.replace(request, protocol="chef")])  # lamm_3d.yaml: pcl
    assert chef.before == (tok.bos_id, *tok.encode("### Human: <Pcl>"))
    assert list(chef.after) == tok.encode("</Pcl> " + prompt)
    first = adapter3d.generate([request])[0]
    assert first.n_tokens <= 6
    assert adapter3d.generate([request])[0] == first  # same seed, same subsample, same answer
    choice = Request(sample_id="s", kind="choice", system=SYS3D, text="Which?", point_cloud=scene, num_points=2048,
                     options=("chair", "table"))
    scores = adapter3d.score_choices([choice])[0].option_scores
    assert len(scores) == 2 and all(np.isfinite(scores))


def test_3d_shared_prefix_scores_equal_one_sequence_per_option(adapter3d, scene):
    """The point cloud and the prompt encoded once, every option scored from that prefix: the naive scores (1e-4)."""
    requests = [Request(sample_id=f"s{i}", kind="choice", system="", text=text, point_cloud=scene, num_points=2048,
                        options=options, option_template="The answer is {}", protocol="chef")
                for i, (text, options) in enumerate([("How many chairs are there?", ("1", "2", "3", "4", "5", "6")),
                                                     ("Which?", ("(A", "(B"))])]  # fmt: skip
    shared = adapter3d.score_choices(requests)
    naive = adapter3d.score_choices([dataclasses.replace(r, choice_scoring="naive") for r in requests])
    for a, b in zip(shared, naive):
        np.testing.assert_allclose(a.option_scores, b.option_scores, atol=1e-4, rtol=0)
        assert a.text == b.text


def test_3d_request_without_point_cloud_is_a_user_error(adapter3d):
    request = Request(sample_id="s9", kind="generate", system=SYS3D, text="Q", images=("x.png",))
    with pytest.raises(UserError, match="s9"):
        adapter3d.generate([request])


def test_a_point_corruption_reaches_the_encoder_colour_does_not_for_an_xyz_model(adapter3d, scene):
    """``robust3d-*``: the adapter scores the corrupted points (jitter changes the scores);
    LAMM's EPCL reads x, y, z only, so a colour shift leaves every score as it was."""
    from lamm_bench.records import PointCorruption

    clean = Request(sample_id="s", kind="choice", system="", text="Which?", point_cloud=scene, num_points=2048,
                    options=("(A", "(B", "(C"), option_template="The answer is {}", protocol="chef", seed=3)
    base = adapter3d.score_choices([clean])[0].option_scores
    scored = {kind: adapter3d.score_choices([dataclasses.replace(clean, point_corruption=PointCorruption(kind, sev))])
              [0].option_scores for kind, sev in (("jitter", 0.2), ("colour", 40.0))}  # fmt: skip
    assert scored["colour"] == base
    assert max(abs(a - b) for a, b in zip(scored["jitter"], base)) > 1e-6
