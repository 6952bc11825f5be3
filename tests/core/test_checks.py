"""``lamm_bench.checks``: ranges, output folders and the credentials kept out of recorded adapter arguments."""

from __future__ import annotations

import dataclasses
import math
import types

import pytest

from lamm_bench.api import evaluate
from lamm_bench.checks import (
    HIDDEN,
    check_int_range,
    check_output_folder,
    check_positive_number,
    check_seed,
    public_url,
    recorded_args,
)
from lamm_bench.errors import UserError
from lamm_bench.model_adapters.dummy import DummyAdapter


@pytest.mark.parametrize(
    ("value", "recorded"),
    [
        ("http://localhost:8000/v1", "http://localhost:8000/v1"),
        ("https://alice:pw@api.example.com/v1", "https://api.example.com/v1"),
        ("https://api.example.com/v1?api-key=k123", "https://api.example.com/v1"),
        ("https://api.example.com:8443/openai/#tok", "https://api.example.com:8443/openai"),
        ("https://token@api.example.com/v1", "https://api.example.com/v1"),
        ("http://[::1/v1?key=x", "<unparsable URL>"),
        ("/models/llava?weird=1", "/models/llava?weird=1"),  # a path, not a URL: kept
        ("bf16", "bf16"),
    ],
)  # fmt: skip
def test_url_arguments_keep_scheme_host_port_and_path_only(value, recorded):
    assert recorded_args({"x": value}) == {"x": recorded}


def test_arguments_named_like_a_credential_are_hidden_and_others_kept():
    args = {"api_key": "k", "hf-token": "t", "password": "p", "api_key_env": "OPENAI_API_KEY", "max_new_tokens": 8}
    assert recorded_args(args) == {"api_key": HIDDEN, "hf-token": HIDDEN, "password": HIDDEN,
                                   "api_key_env": "OPENAI_API_KEY", "max_new_tokens": 8}  # fmt: skip


def test_public_url_is_what_describe_always_showed():
    assert public_url("http://user:pw@Host.example:8000/v1/?q=1#f") == "http://host.example:8000/v1"


def test_ranges():
    assert check_seed(0) == 0 and check_seed(2**32 - 1) == 2**32 - 1
    assert check_int_range(5, "--x", 1) == 5 and check_positive_number(0.5, "--s") == 0.5
    for bad in (-1, 2**32, True):
        with pytest.raises(UserError, match="--seed must be an integer between 0 and 4294967295"):
            check_seed(bad)
    for bad in (0, -1.0, math.nan, math.inf, -math.inf):
        with pytest.raises(UserError, match="--s must be a finite number above 0"):
            check_positive_number(bad, "--s")


def test_the_output_check_leaves_nothing_behind(tmp_path):
    check_output_folder(tmp_path / "a/b", ["results", "store/m"])
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    check_output_folder(tmp_path / "kept", ["results"])
    assert [p.name for p in tmp_path.iterdir()] == ["kept"] and list((tmp_path / "kept").iterdir()) == []
    (tmp_path / "kept/results").write_text("")
    with pytest.raises(UserError, match="results is a file, not a folder"):
        check_output_folder(tmp_path / "kept", ["results"])
    with pytest.raises(UserError, match="cannot write to .*results/m"):
        check_output_folder(tmp_path / "kept", ["results/m"])


def test_ranks_checking_the_same_folders_at_once_do_not_refuse_each_other(tmp_path, monkeypatch):
    """torchrun's ranks check the same output folders at once: one makes a folder between another's look and its
    mkdir, or removes its own (its check done) before the other's probe. Neither is the user's problem."""
    import pathlib
    import tempfile

    real_mkdir, real_mkstemp = pathlib.Path.mkdir, tempfile.mkstemp

    def other_rank_made_it_first(self, *args, **kwargs):
        real_mkdir(self, *args, **kwargs)
        raise FileExistsError(17, "File exists", str(self))

    monkeypatch.setattr(pathlib.Path, "mkdir", other_rank_made_it_first)
    check_output_folder(tmp_path / "lb", ["results", "store/dummy"])
    assert (tmp_path / "lb/store/dummy").is_dir()  # the other rank's folders stay for it
    monkeypatch.setattr(pathlib.Path, "mkdir", real_mkdir)
    removed = []

    def other_rank_removed_it_meanwhile(*args, dir, **kwargs):
        if not removed:
            removed.append(dir)
            pathlib.Path(dir).rmdir()
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", other_rank_removed_it_meanwhile)
    check_output_folder(tmp_path / "fresh", ["results"])
    assert removed == [tmp_path / "fresh"] and not (tmp_path / "fresh").exists()


def test_an_adapter_instance_named_like_a_leaderboard_file_is_refused(mini_root, tmp_path):
    media = type("media", (DummyAdapter,), {})({})
    with pytest.raises(UserError, match="model name .*'media' is one of the leaderboard's own file names"):
        evaluate(media, "scienceqa", data_root=mini_root, out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_plugin_task_with_a_name_outside_the_alphabet_is_refused(monkeypatch):
    from lamm_bench import registry

    bad = dataclasses.replace(registry.get_task("cifar10"), name="../escape")
    monkeypatch.setattr(registry, "_task_modules", lambda plugins: [("plugin 'evil'", types.SimpleNamespace(TASKS=(bad,)))])
    registry._task_table.cache_clear()
    try:
        with pytest.raises(UserError, match=r"^task name from plugin 'evil': '\.\./escape' may use only letters"):
            registry.tasks()
    finally:
        registry._task_table.cache_clear()
