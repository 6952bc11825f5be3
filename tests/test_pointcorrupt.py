"""The 3D robustness corruptions (``lamm_bench.pointcorrupt``): hand-computed values on tiny clouds (a stub generator
whose draws are fixed), properties under hypothesis, and determinism through ``Media.point_cloud`` (same seed, same
bytes; another seed or scene, other points) and the request identity."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lamm_bench.media import Media
from lamm_bench.plan import request_identity
from lamm_bench.pointcloud import sample_point_cloud
from lamm_bench.pointcorrupt import (
    CORRUPTIONS, DENSITY_HOLES, apply_corruption, colour_shift, density_holes, jitter, point_dropout, rotate_z,
)  # fmt: skip
from lamm_bench.records import PointCorruption, Request


class FixedDraws:
    """A generator stub: each method returns what it was given, whatever it is asked."""

    def __init__(self, **draws):
        self.draws = draws

    def __getattr__(self, name):
        return lambda *args, **kwargs: self.draws[name]


CLOUD = np.array([[1, 0, 0, 250, 10, 0], [-1, 0, 2, 0, 0, 0], [3, 2, 1, 5, 5, 5], [3, -2, 1, 9, 9, 9]], np.float32)
"""x-y centroid (1.5, 0)."""


def test_jitter_adds_the_draws_to_xyz_only():
    noise = np.array([[0.1, 0, 0], [0, -0.2, 0], [0, 0, 0.5], [1, 1, 1]])
    out = jitter(CLOUD, 0.02, FixedDraws(normal=noise))
    np.testing.assert_allclose(out[:, :3], [[1.1, 0, 0], [-1, -0.2, 2], [3, 2, 1.5], [4, -1, 2]], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(out[:, 3:], CLOUD[:, 3:])


def test_rotation_by_90_degrees_turns_xy_about_the_centroid():
    out = rotate_z(CLOUD, 180.0, FixedDraws(uniform=90.0))
    # (x, y) - (1.5, 0) -> (-y, x) + (1.5, 0): counter-clockwise
    np.testing.assert_allclose(out[:, :2], [[1.5, -0.5], [1.5, -2.5], [-0.5, 1.5], [3.5, 1.5]], atol=1e-6)
    np.testing.assert_array_equal(out[:, 2:], CLOUD[:, 2:])


def test_dropout_keeps_the_first_of_the_permutation_in_file_order():
    out = point_dropout(CLOUD, 0.5, FixedDraws(permutation=np.array([3, 0, 2, 1])))
    np.testing.assert_array_equal(out, CLOUD[[0, 3]])
    assert point_dropout(CLOUD, 1.0, FixedDraws(permutation=np.array([2, 0, 1, 3]))).tolist() == [CLOUD[2].tolist()]


def test_density_holes_remove_the_nearest_points_of_each_centre():
    line = np.stack([np.arange(32.0), np.zeros(32), np.zeros(32)], axis=1)
    # 0.5 of 32 points in 8 holes: 2 per hole, the centre and its nearer neighbour (a tie goes to the lower row)
    out = density_holes(line, 0.5, FixedDraws(choice=np.array([0, 5, 10, 15, 20, 25, 30, 31])))
    removed = sorted(set(range(32)) - set(out[:, 0].astype(int)))
    assert DENSITY_HOLES == 8 and removed == [0, 1, 4, 5, 9, 10, 14, 15, 19, 20, 24, 25, 29, 30, 31]


def test_colour_shift_offsets_each_channel_and_clips():
    out = colour_shift(CLOUD, 40.0, FixedDraws(uniform=np.array([10.0, -20.0, 30.0])))
    np.testing.assert_array_equal(out[:, 3:], [[255, 0, 30], [10, 0, 30], [15, 0, 35], [19, 0, 39]])
    np.testing.assert_array_equal(out[:, :3], CLOUD[:, :3])
    np.testing.assert_array_equal(colour_shift(CLOUD[:, :3], 40.0, FixedDraws()), CLOUD[:, :3])


clouds = arrays(np.float32, st.tuples(st.integers(1, 40), st.just(6)),
                elements=st.floats(0, 255, width=32, allow_nan=False))  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(clouds, st.integers(0, 2**32 - 1))
def test_rotation_keeps_z_and_every_distance_to_the_xy_centroid(points, seed):
    out = apply_corruption(points, PointCorruption("rotate_z", 180.0), seed=seed, scene="s")
    centre = points[:, :2].astype(np.float64).mean(axis=0)
    before = np.linalg.norm(points[:, :2] - centre, axis=1)
    np.testing.assert_allclose(np.linalg.norm(out[:, :2] - centre, axis=1), before, rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(out[:, 2:], points[:, 2:])


@settings(max_examples=40, deadline=None)
@given(clouds, st.sampled_from(["dropout", "density"]), st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_dropouts_keep_a_subset_in_order(points, kind, fraction, seed):
    out = apply_corruption(points, PointCorruption(kind, fraction), seed=seed, scene="s")
    rows = [r.tobytes() for r in points]
    positions, start = [], 0
    for row in out:  # each kept row is a later row of the input than the one before it
        start = rows.index(row.tobytes(), start) + 1
        positions.append(start)
    assert 1 <= len(out) <= len(points)
    if kind == "dropout":
        assert len(out) == max(1, len(points) - round(fraction * len(points)))


@settings(max_examples=40, deadline=None)
@given(clouds, st.integers(0, 2**32 - 1))
def test_colour_stays_in_range_and_leaves_xyz(points, seed):
    out = apply_corruption(points, PointCorruption("colour", 40.0), seed=seed, scene="s")
    np.testing.assert_array_equal(out[:, :3], points[:, :3])
    assert out.dtype == np.float32 and (out[:, 3:] >= 0).all() and (out[:, 3:] <= 255).all()


@pytest.fixture(scope="module")
def scene_file(tmp_path_factory):
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.uniform(0, 4, (500, 3)), rng.uniform(0, 255, (500, 3))], axis=1).astype(np.float32)
    path = tmp_path_factory.mktemp("pc") / "scene0001_00_vert.npy"
    np.save(path, points)
    return str(path)


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_same_seed_same_bytes_other_seed_or_scene_other_points(scene_file, kind):
    corruption = PointCorruption(kind, {"jitter": 0.02, "rotate_z": 180.0, "colour": 40.0}.get(kind, 0.25))
    media = Media()
    first = media.point_cloud(scene_file, num_points=600, seed=5, corruption=corruption)
    assert first.tobytes() == media.point_cloud(scene_file, num_points=600, seed=5, corruption=corruption).tobytes()
    sampled = sample_point_cloud(np.load(scene_file), num_points=600, seed=5)
    expected = apply_corruption(sampled, corruption, seed=5, scene="scene0001_00_vert.npy")  # after the sampling
    assert first.tobytes() == expected.tobytes() and first.tobytes() != sampled.tobytes()
    other_seed = apply_corruption(sampled, corruption, seed=6, scene="scene0001_00_vert.npy")
    other_scene = apply_corruption(sampled, corruption, seed=5, scene="scene0002_00_vert.npy")
    assert other_seed.tobytes() != first.tobytes() and other_scene.tobytes() != first.tobytes()


def test_an_unknown_kind_is_a_bug_and_a_clean_request_keeps_its_identity():
    with pytest.raises(ValueError, match="unknown point-cloud corruption 'melt'"):
        apply_corruption(CLOUD, PointCorruption("melt", 1.0), seed=0, scene="s")
    clean = Request(sample_id="1", kind="choice", system="", text="Q", options=("(A", "(B"), num_points=40_000)
    fields = dataclasses.asdict(clean)
    fields.pop("point_corruption")  # a request's identity as it was before the field existed
    for name in ("sample_id", "key", "images", "point_cloud"):
        fields.pop(name)
    from lamm_bench.identity import fingerprint

    assert request_identity(clean) == fingerprint(fields)[:16]
    jittered = dataclasses.replace(clean, point_corruption=PointCorruption("jitter", 0.02))
    assert request_identity(jittered) != request_identity(clean)
