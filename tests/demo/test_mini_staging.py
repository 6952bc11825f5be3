"""Stale staging folders of ``data mini`` (``lamm_bench.demo.build.remove_stale_staging``): a build still running
keeps its folder; only the staging pattern of the same OUT is ever touched (issue 23)."""

from __future__ import annotations

import fcntl
import os
import time

from lamm_bench.demo.build import STAGING_LOCK, remove_stale_staging, staging_folders


def test_a_folder_whose_lock_is_held_is_kept_and_a_released_one_removed(tmp_path):
    out = tmp_path / "mini"
    live, dead = tmp_path / ".mini.live0000", tmp_path / ".mini.dead0000"
    for folder in (live, dead):
        folder.mkdir()
        (folder / STAGING_LOCK).write_text("")
    with (live / STAGING_LOCK).open("a") as handle:  # as a running build holds it
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        assert remove_stale_staging(out) == [dead]
    assert live.is_dir() and not dead.exists()


def test_only_the_staging_pattern_of_the_same_out_matches(tmp_path):
    for name in (".mini.abcd_123", ".mini.ABCDEFGH", ".mini.abc", ".minix.abcdefgh", "mini.abcdefgh", ".mini.abcdefghi"):
        (tmp_path / name).mkdir()
    (tmp_path / ".mini.linked00").symlink_to(tmp_path / ".mini.abc", target_is_directory=True)
    assert [p.name for p in staging_folders(tmp_path / "mini")] == [".mini.abcd_123"]
    old = time.time() - 7200
    os.utime(tmp_path / ".mini.abcd_123", (old, old))
    assert remove_stale_staging(tmp_path / "mini") == [tmp_path / ".mini.abcd_123"]
    assert len(list(tmp_path.iterdir())) == 6
