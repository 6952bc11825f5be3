"""The prediction browser in headless Chromium on answers of a reasoning model: each request's reasoning is folded
(a closed ``<details>``) with the answer as the model gave it, shown as text (markup in it stays text), the
cut-off one says so, and a request without reasoning gets no fold."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from lamm_bench.results import load_results
from lamm_bench.rows import PredictionRow, RequestTrace
from lamm_bench.site.browser import write_task_pages
from lamm_bench.site.index import static
from lamm_bench.site.media import MediaMaker

MARKUP = "<img src=x onerror=\"document.body.dataset.pwned=1\"> is it (A)?"


def test_reasoning_is_folded_and_escaped(browser, tmp_path):
    fixture = load_results(Path(__file__).parent.parent / "fixtures/leaderboard/results")[2]
    rows = [PredictionRow("thought", "(B)", terms=(100.0, 1.0), requests=(
                RequestTrace("", "S", "q", raw=f"<think>{MARKUP}</think> (B)", reasoning=MARKUP),)),
            PredictionRow("cut", "", unparsed=True, terms=(0.0, 1.0), requests=(
                RequestTrace("", "S", "q", raw="<think>hmm", reasoning="hmm", cut_off=True),)),
            PredictionRow("plain", "(A)", terms=(0.0, 1.0), requests=(RequestTrace("", "S", "q"),))]  # fmt: skip
    folder = tmp_path / "predictions"
    write_task_pages(folder / "m", fixture, rows, MediaMaker(folder / "media", None))
    for name in ("site.css", "browser.js"):
        (folder / name).write_text(static(name))
    browser.get((folder / "m" / f"{fixture.task.name}.html").as_uri())
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-rendered"))
    thought, cut, plain = browser.find_elements(By.CSS_SELECTOR, "article.sample")
    (fold,) = thought.find_elements(By.CSS_SELECTOR, "details.reasoning")
    assert fold.get_attribute("open") is None and fold.find_element(By.TAG_NAME, "summary").text == "reasoning"
    assert fold.find_element(By.CSS_SELECTOR, "pre.reasoning").get_attribute("textContent") == MARKUP
    assert fold.find_element(By.CSS_SELECTOR, "pre.raw").get_attribute("textContent") == f"<think>{MARKUP}</think> (B)"
    assert thought.find_elements(By.TAG_NAME, "img") == [] and browser.execute_script("return document.body.dataset.pwned") is None
    assert thought.find_element(By.CSS_SELECTOR, "pre.output").text == "(B)"
    (cut_fold,) = cut.find_elements(By.CSS_SELECTOR, "details.reasoning")
    assert "cut off" in cut_fold.find_element(By.TAG_NAME, "summary").text
    assert plain.find_elements(By.CSS_SELECTOR, "details.reasoning") == []
