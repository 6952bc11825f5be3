"""The generated pages in a real headless Chromium: the table sorts, a cell opens its predictions, the filters
filter, boxes are drawn where they belong, samples load lazily, and no page renders blank."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from lamm_bench.results import load_results
from lamm_bench.rows import PredictionRow, RequestTrace
from lamm_bench.site.browser import CHUNK, write_task_pages
from lamm_bench.site.index import static
from lamm_bench.site.media import MediaMaker


def open_page(browser, path, rendered: bool = True):
    browser.get(path.as_uri())
    if rendered:
        WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-rendered"))


def wait_count(browser, text: str):
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "count").text.startswith(text))


def models_in_order(table) -> list[str]:
    return [row.find_elements(By.TAG_NAME, "td")[0].get_attribute("data-value")
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]  # fmt: skip


def test_the_table_sorts_by_any_column(browser, site):
    open_page(browser, site / "index.html", rendered=False)
    table = browser.find_elements(By.CSS_SELECTOR, "table.board")[0]  # 2D, paper protocol
    header = next(th for th in table.find_elements(By.CSS_SELECTOR, "thead th") if th.text.startswith("fsc147"))
    mae = {r.model.name: r.paper_metric.value for r in load_results(site / "results") if r.task.name == "fsc147"}
    published = {"LAMM-13B (paper)": 46.88, "LAMM-13B v1 (paper, arXiv v1)": 53.97, "LLaVA (paper)": 56.2,
                 "mPLUG-owl (paper)": 60.67, "Task SOTA (paper)": 10.79}  # MiniGPT4: "Failed", no number  # fmt: skip
    values = {**mae, **published}
    header.click()  # MAE: lower is better, so the first click puts the lowest first
    ascending = sorted(values, key=values.get)
    assert header.get_attribute("aria-sort") == "ascending"
    assert models_in_order(table) == [*ascending, "MiniGPT4 (paper)"]
    header.click()
    assert models_in_order(table) == [*reversed(ascending), "MiniGPT4 (paper)"]
    model_header = table.find_element(By.CSS_SELECTOR, "thead th[data-col='0']")
    model_header.click()
    names = models_in_order(table)
    assert names == sorted(names, key=str.lower)


def test_a_cell_opens_its_predictions(browser, site):
    open_page(browser, site / "index.html", rendered=False)
    browser.find_element(By.CSS_SELECTOR, 'a[href="predictions/dummy/voc2012.html"]').click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-rendered"))
    assert browser.current_url == (site / "predictions/dummy/voc2012.html").as_uri()
    assert browser.find_element(By.TAG_NAME, "h1").text == "dummy · voc2012"
    cards = browser.find_elements(By.CSS_SELECTOR, "article.sample")
    assert len(cards) == 6 and cards[0].get_attribute("data-id") == "0"
    rows = [json.loads(line) for line in (site / "results/dummy/voc2012.predictions.jsonl").open()]
    assert cards[0].find_element(By.CSS_SELECTOR, "pre.output").text == rows[0]["prediction"]
    assert cards[0].find_element(By.CSS_SELECTOR, "pre.user").get_attribute("textContent") == rows[0]["requests"][0]["text"]


def test_wrong_only_hides_correct_samples_and_unparsed_only_and_search_filter(browser, site):
    open_page(browser, site / "predictions/dummy/binary-loc.html")
    rows = [json.loads(line) for line in (site / "results/dummy/binary-loc.predictions.jsonl").open()]
    wrong = [r["id"] for r in rows if r["terms"][0] < 100 * r["terms"][1]]
    assert 0 < len(wrong) < len(rows)
    shown = lambda: [a.get_attribute("data-id") for a in browser.find_elements(By.CSS_SELECTOR, "article.sample")]  # noqa: E731
    assert shown() == [r["id"] for r in rows]
    browser.find_element(By.ID, "wrong").click()
    wait_count(browser, f"{len(wrong)} of {len(rows)}")
    assert shown() == wrong
    assert all(b.text == "wrong" for b in browser.find_elements(By.CSS_SELECTOR, ".badge.wrong, .badge.right"))
    browser.find_element(By.ID, "wrong").click()
    open_page(browser, site / "predictions/dummy/scanrefer.html")
    browser.find_element(By.ID, "unparsed").click()
    wait_count(browser, "4 of 4")  # the dummy's 2D box parses as no 3D box
    rows = [json.loads(line) for line in (site / "results/dummy/scanrefer.predictions.jsonl").open()]
    words = [set(json.dumps([r["id"], r["requests"], r["prediction"]]).lower().split()) for r in rows]
    unique = next((w, r["id"]) for r, mine in zip(rows, words) for w in sorted(mine)
                  if w.isalpha() and all(w not in json.dumps([o["id"], o["requests"], o["prediction"]]).lower()
                                         for o in rows if o is not r))  # fmt: skip
    browser.find_element(By.ID, "search").send_keys(unique[0])  # a word of one sample's caption only
    wait_count(browser, f"1 of {len(rows)}")
    assert shown() == [unique[1]]


def test_boxes_are_drawn_on_the_image(browser, site):
    open_page(browser, site / "predictions/dummy/voc2012.html")
    rows = [json.loads(line) for line in (site / "results/dummy/voc2012.predictions.jsonl").open()]
    card = browser.find_elements(By.CSS_SELECTOR, "article.sample")[0]
    image = card.find_element(By.CSS_SELECTOR, ".frame img")
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image))
    for cls, boxes in (("gt", [o["bbox"] for o in rows[0]["target"]["object"]]), ("pred", rows[0]["parsed"]["boxes"])):
        rects = card.find_elements(By.CSS_SELECTOR, f"svg rect.{cls}")
        assert len(rects) == len(boxes) > 0
        for rect, (x1, y1, x2, y2) in zip(rects, boxes):
            assert float(rect.get_attribute("x")) == pytest.approx(x1 * 1000, abs=0.1)
            assert float(rect.get_attribute("width")) == pytest.approx((x2 - x1) * 1000, abs=0.1)
            # and on screen: where the box is on the displayed image
            box = browser.execute_script("var r = arguments[0].getBoundingClientRect(), i = arguments[1]"
                                         ".getBoundingClientRect(); return [r.left - i.left, r.top - i.top, r.width,"
                                         " r.height, i.width, i.height]", rect, image)  # fmt: skip
            left, top, width, height, w, h = box
            assert left == pytest.approx(x1 * w, abs=1.5) and top == pytest.approx(y1 * h, abs=1.5)
            assert width == pytest.approx((x2 - x1) * w, abs=1.5) and height == pytest.approx((y2 - y1) * h, abs=1.5)
    # locating: the parsed point over the ground-truth box
    open_page(browser, site / "predictions/dummy/binary-loc.html")
    card = browser.find_elements(By.CSS_SELECTOR, "article.sample")[0]
    assert card.find_elements(By.CSS_SELECTOR, "svg rect.gt") and card.find_elements(By.CSS_SELECTOR, "svg circle.pred")
    # 3D: predicted and ground-truth boxes listed side by side
    open_page(browser, site / "predictions/dummy/scanrefer.html")
    cells = browser.find_elements(By.CSS_SELECTOR, "article.sample")[0].find_elements(By.CSS_SELECTOR, "table.boxes3d td")
    assert [c.get_attribute("class") for c in cells] == ["pred", "gt"] and cells[1].text.startswith("[")


def test_samples_load_one_chunk_per_page(browser, tmp_path):
    fixture = load_results(Path(__file__).parent.parent / "fixtures/leaderboard/results")[2]
    rows = [PredictionRow(f"s{i}", f"answer {i}", terms=(100.0 * (i % 2), 1.0), requests=(RequestTrace("", "S", f"q{i}"),))
            for i in range(2 * CHUNK + 7)]  # fmt: skip
    folder = tmp_path / "predictions"
    write_task_pages(folder / "m", fixture, rows, MediaMaker(folder / "media", None))
    for name in ("site.css", "browser.js"):
        (folder / name).write_text(static(name))
    open_page(browser, folder / "m" / f"{fixture.task.name}.html")
    loaded = lambda: sorted(e.split("/")[-1] for e in browser.execute_script(  # noqa: E731
        "return Array.from(document.scripts).map(s => s.src).filter(n => n)"))
    assert browser.find_element(By.ID, "pager").text == "page 1 of 3" and loaded() == ["0000.js", "browser.js"]
    browser.find_element(By.ID, "next").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "pager").text == "page 2 of 3")
    ids = [a.get_attribute("data-id") for a in browser.find_elements(By.CSS_SELECTOR, "article.sample")]
    assert ids == [f"s{i}" for i in range(CHUNK, 2 * CHUNK)] and loaded() == ["0000.js", "0001.js", "browser.js"]
    browser.find_element(By.ID, "wrong").click()  # the even ones; flags need no chunk
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "count").text.startswith(f"{CHUNK + 4} of"))


@pytest.mark.parametrize("page", ["index.html", "predictions/dummy/voc2012.html", "predictions/dummy/scanrefer.html"])
def test_a_screenshot_of_each_page_is_not_blank(browser, site, page):
    from PIL import Image

    open_page(browser, site / page, rendered=page != "index.html")
    if page == "index.html":
        WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.getElementById('chart').complete"))
    shot = Image.open(io.BytesIO(browser.get_screenshot_as_png())).convert("RGB")
    colours = shot.getcolors(maxcolors=1 << 20)
    assert len(colours) > 100  # text, tables, the chart or the pictures: not a blank or one-colour page
    background = max(colours)[0] / (shot.width * shot.height)
    assert background < 0.95
