"""Point-cloud loading: validation errors name the file and the problem; subsampling is seeded like LAMM's draw."""

from __future__ import annotations

import numpy as np
import pytest

from lamm_bench.errors import UserError
from lamm_bench.pointcloud import load_point_cloud, subsample_points


def _save(tmp_path, name, array):
    path = tmp_path / name
    np.save(path, array)
    return path


def _scene(n=100, cols=6):
    return np.arange(n * cols, dtype=np.float64).reshape(n, cols)


def test_subsampling_without_replacement_when_enough_points(tmp_path):
    path = _save(tmp_path, "s.npy", _scene(100))
    points = load_point_cloud(path, num_points=40, seed=3)
    assert points.shape == (40, 6) and points.dtype == np.float32
    rows = points[:, 0] // 6
    assert len(set(rows.tolist())) == 40  # no repeats
    # exactly numpy's draw from default_rng(seed), the way LAMM calls np.random.choice
    expected = np.random.default_rng(3).choice(100, 40, replace=False)
    np.testing.assert_array_equal(rows, expected)


def test_replacement_only_when_too_few_points(tmp_path):
    path = _save(tmp_path, "s.npy", _scene(10))
    points = load_point_cloud(path, num_points=25, seed=0)
    assert points.shape == (25, 6)
    assert len(set((points[:, 0] // 6).tolist())) <= 10


def test_exact_count_is_a_permutation():
    scene = _scene(30)
    out = subsample_points(scene, 30, seed=1)
    assert sorted(out[:, 0].tolist()) == sorted(scene[:, 0].tolist())
    assert not np.array_equal(out, scene)  # shuffled, as the reference's choice() is


def test_seeded_determinism(tmp_path):
    path = _save(tmp_path, "s.npy", _scene(500))
    a = load_point_cloud(path, num_points=100, seed=7)
    b = load_point_cloud(path, num_points=100, seed=7)
    c = load_point_cloud(path, num_points=100, seed=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_default_is_lamm_40000_points(tmp_path):
    path = _save(tmp_path, "s.npy", _scene(50, 3).astype(np.float32))
    assert load_point_cloud(path).shape == (40_000, 3)


def test_input_not_modified():
    scene = _scene(20)
    before = scene.copy()
    subsample_points(scene, 5, seed=0)
    np.testing.assert_array_equal(scene, before)


@pytest.mark.parametrize(
    ("array", "problem"),
    [
        (np.zeros(10), "2-D"),
        (np.zeros((4, 2)), "at least 3 columns"),
        (np.zeros((0, 3)), "no points"),
        (np.array([[0, 0, np.nan]]), "NaN or infinite"),
        (np.array([[0, 0, 0], [0, np.inf, 0]]), "row 1"),
        (np.array([["a", "b", "c"]]), "dtype"),
    ],
)
def test_invalid_arrays(tmp_path, array, problem):
    path = _save(tmp_path, "bad.npy", array)
    with pytest.raises(UserError, match=problem) as info:
        load_point_cloud(path)
    assert "bad.npy" in str(info.value)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(UserError, match=r"nope\.npy: file not found"):
        load_point_cloud(tmp_path / "nope.npy")
    junk = tmp_path / "junk.npy"
    junk.write_bytes(b"not numpy at all")
    with pytest.raises(UserError, match=r"junk\.npy: not a readable \.npy"):
        load_point_cloud(junk)
    pickled = tmp_path / "obj.npy"
    np.save(pickled, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(UserError, match=r"obj\.npy"):
        load_point_cloud(pickled)


def test_bad_num_points(tmp_path):
    path = _save(tmp_path, "s.npy", _scene(5))
    with pytest.raises(UserError, match="num_points"):
        load_point_cloud(path, num_points=0)


def test_check_point_cloud_validates_like_load_and_returns_the_shape(tmp_path):
    from lamm_bench.pointcloud import check_point_cloud

    assert check_point_cloud(_save(tmp_path, "s.npy", _scene(7, 6))) == (7, 6)
    with pytest.raises(UserError, match=r"bad\.npy: expected at least 3 columns"):
        check_point_cloud(_save(tmp_path, "bad.npy", np.zeros((5, 2))))
    with pytest.raises(UserError, match=r"nan\.npy: contains NaN"):
        check_point_cloud(_save(tmp_path, "nan.npy", np.array([[0.0, np.nan, 0.0]])))
