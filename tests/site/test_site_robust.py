"""The prediction browser's robustness view: the word diff, a clean image path that is absolute or leaves the data
root is never drawn, a 3D row's clean and corrupted clouds drawn as the model was given them, and a dummy
``chef-robust-scienceqa`` run on lamm-mini whose page shows both thumbnails and the marked words in Chromium."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from test_site_browser import open_page

from lamm_bench.pointcloud import sample_point_cloud
from lamm_bench.pointcorrupt import apply_corruption
from lamm_bench.records import PointCorruption
from lamm_bench.rows import PredictionRow
from lamm_bench.site.media import MediaMaker, cloud_view
from lamm_bench.site.robust import robust_view, word_diff

TASK = "chef-robust-scienceqa"


def test_word_diff_marks_the_changed_words_and_never_white_space():
    assert word_diff("Which colour is the tile?\nContext: a tile.", "Whcih colour is teh tile?\nContext: a tile.") == (
        [["Which", 1], [" colour is ", 0], ["the", 1], [" tile?\nContext: a tile.", 0]],
        [["Whcih", 1], [" colour is ", 0], ["teh", 1], [" tile?\nContext: a tile.", 0]])  # fmt: skip
    # word_delete: the clean side marks what went; word_repeat: the corrupted side marks what came
    assert word_diff("Is there a brown shape? ", "Is there a  ") == (
        [["Is there a ", 0], ["brown", 1], [" ", 0], ["shape?", 1], [" ", 0]], [["Is there a  ", 0]])  # fmt: skip
    assert word_diff("What shape?", "shape What shape? shape")[1] == [["shape", 1], [" What shape? ", 0], ["shape", 1]]


def _png(path, colour):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6), colour).save(path)


@pytest.mark.parametrize("clean_path", ["ABSOLUTE", "../outside.png", "a/../../outside.png"])
def test_a_clean_image_path_that_is_absolute_or_leaves_the_root_is_not_drawn(tmp_path, clean_path):
    root = tmp_path / "root"
    _png(root / "c.png", (9, 9, 9))
    _png(tmp_path / "outside.png", (200, 0, 0))  # a real file: only the path check keeps it out of the site
    clean_path = str(tmp_path / "outside.png") if clean_path == "ABSOLUTE" else clean_path
    row = PredictionRow("ic/1", "(A", media=("c.png",),
                        target={"question": "q", "clean": {"question": "q", "image": clean_path}})  # fmt: skip
    maker = MediaMaker(tmp_path / "media", root)
    view = robust_view(row, maker, {"corruption_source": "chef-files"}, 0)
    clean, corrupted = view["pair"]
    assert clean == {"missing": clean_path, "caption": "clean", "refused": clean["refused"]}
    assert clean["refused"].startswith("not drawn: the path ") and clean_path not in maker.outside
    assert corrupted["caption"] == "corrupted: ChEF's precomputed copy" and corrupted["src"]
    assert sorted(p.name for p in (tmp_path / "media").iterdir()) == [corrupted["src"]]
    assert "diff" not in view  # the same question


def test_a_3d_row_shows_the_clean_and_the_corrupted_cloud_the_model_was_given(tmp_path):
    root, rng = tmp_path / "root", np.random.default_rng(0)
    cloud = np.concatenate([rng.uniform(0, 4, (900, 3)), rng.uniform(0, 255, (900, 3))], axis=1).astype(np.float32)
    (root / "s").mkdir(parents=True)
    np.save(root / "s/scene_vert.npy", cloud)
    settings = {"num_points": 500, "corruptions": {"rotate_z": {"kind": "rotate_z", "severity": 90.0}}}
    row = PredictionRow("rotate_z/0", "(A", media=("s/scene_vert.npy",), target={"run": "rotate_z"})
    maker = MediaMaker(tmp_path / "media", root)
    clean, corrupted = robust_view(row, maker, settings, 3)["pair"]
    assert clean["caption"] == "clean (500 points, seed 3)"
    assert corrupted["caption"] == "corrupted: rotate_z, severity 90"
    sampled = sample_point_cloud(cloud, num_points=500, seed=3)
    turned = apply_corruption(sampled, PointCorruption("rotate_z", 90.0), seed=3, scene="scene_vert.npy")
    drawn = {}
    for entry, points in ((clean, sampled), (corrupted, turned)):
        cloud_view(root / "s/scene_vert.npy", tmp_path / "expected.png", points)
        drawn[entry["caption"]] = (tmp_path / "media" / entry["src"]).read_bytes()
        assert drawn[entry["caption"]] == (tmp_path / "expected.png").read_bytes()
    assert len(set(drawn.values())) == 2
    melted = {"rotate_z": {"kind": "melt", "severity": 1}}
    for target, extra in (({"run": "clean"}, {}), ({"run": "rotate_z"}, {"num_points": 10**9}),
                          ({"run": "rotate_z"}, {"corruptions": melted})):  # fmt: skip
        other = PredictionRow("x", "", media=row.media, target=target)
        assert robust_view(other, maker, {**settings, **extra}, 3) is None


@pytest.fixture(scope="module")
def robust_site(mini_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("robust_site")
    proc = run_cli("run", "--model", "dummy", "--task", TASK, "--data-root", str(mini_root), "--out", str(out),
                   "--no-progress")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("leaderboard", "--out", str(out), "--data-root", str(mini_root))
    assert proc.returncode == 0, proc.stderr
    return out


def test_an_ictc_row_shows_both_thumbnails_and_the_marked_words(browser, robust_site):
    rows = [json.loads(line) for line in (robust_site / f"results/dummy/{TASK}.predictions.jsonl").open()]
    ictc = [r for r in rows if r["id"].startswith("ictc/")]
    changed = [r for r in ictc if r["target"]["question"] != r["target"]["clean"]["question"]]
    row, target = changed[0], changed[0]["target"]
    open_page(browser, robust_site / f"predictions/dummy/{TASK}.html")
    card = browser.find_element(By.CSS_SELECTOR, f'article[data-id="{row["id"]}"]')
    figures = card.find_elements(By.CSS_SELECTOR, ".media.pair figure")
    assert [f.get_attribute("class") for f in figures] == ["clean", "corrupted"]
    images = [f.find_element(By.TAG_NAME, "img") for f in figures]
    assert [i.get_attribute("title") for i in images] == [target["clean"]["image"], row["media"][0]]
    browser.execute_script("arguments[0].scrollIntoView()", card)  # the pictures load lazily
    loaded = "return arguments[0].complete && arguments[0].naturalWidth"
    WebDriverWait(browser, 10).until(lambda d: all(d.execute_script(loaded, i) for i in images))
    assert figures[1].find_element(By.TAG_NAME, "figcaption").text == "corrupted: ChEF's precomputed copy"
    clean, corrupted = card.find_elements(By.CSS_SELECTOR, ".textdiff pre.question")
    assert clean.get_attribute("textContent") == target["clean"]["question"]
    assert corrupted.get_attribute("textContent") == target["question"]
    before, after = word_diff(target["clean"]["question"], target["question"])
    marked = [[e.get_attribute("textContent") for e in side.find_elements(By.TAG_NAME, tag)]
              for side, tag in ((clean, "del"), (corrupted, "ins"))]  # fmt: skip
    assert marked == [[t for t, changed in before if changed], [t for t, changed in after if changed]]
    assert marked[0] or marked[1]
    origin = browser.find_element(By.CSS_SELECTOR, f'article[data-id="origin/{row["id"].split("/", 1)[1]}"]')
    assert not origin.find_elements(By.CSS_SELECTOR, ".media.pair, .textdiff")  # the clean run has nothing to compare
