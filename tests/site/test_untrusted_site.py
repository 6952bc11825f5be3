"""Script payloads in every text of the result files and rows, in a real headless Chromium (issue 23): the pages
show each payload as text and run none of it (``window.pwned`` stays unset), whatever field it came from."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from untrusted_helpers import PAYLOADS, payload_results

from lamm_bench.leaderboard import write_leaderboard

FRAGMENTS = ("<script>window.pwned=1</script>", "</script>", '"', "'", "<img src=x onerror=window.pwned=1>", "<!--",
             "-->", "\u2028", "`${window.pwned=1}`", "<svg/onload=window.pwned=1>", "&lt;", "\\", "javascript:")  # fmt: skip


def generated(seed: int) -> str:
    """A payload of random fragments, starting with ``<`` (so it would show raw if unescaped)."""
    rng = random.Random(seed)
    return "<" + "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(2, 5)))


def opened(browser, page: Path) -> None:
    browser.get(page.as_uri())
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.mark.parametrize("payload", [PAYLOADS[0], PAYLOADS[1], generated(1), generated(2)], ids=range(4))
def test_payloads_in_every_field_run_no_script(browser, site, tmp_path, payload):
    out = tmp_path / "board"
    shutil.copytree(site / "results", out / "results")
    payload_results(out, payload)
    write_leaderboard(out)
    opened(browser, out / "index.html")
    assert browser.execute_script("return window.pwned") is None
    headers = [th.get_attribute("textContent") for th in browser.find_elements(By.CSS_SELECTOR, "table.board th")]
    assert any(payload in text for text in headers)  # shown as text
    opened(browser, out / "predictions/dummy/voc2012.html")
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-rendered"))
    cards = browser.find_elements(By.CSS_SELECTOR, "article.sample")
    assert cards and cards[0].find_element(By.CSS_SELECTOR, "pre.output").get_attribute("textContent") == payload
    assert cards[0].get_attribute("data-id") == f"{payload}0"
    browser.find_element(By.ID, "search").send_keys("pwned")  # loads every chunk and searches every text
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "count").text.endswith(" samples"))
    assert browser.execute_script("return window.pwned") is None
    # no element the payloads describe was made: every element with a handler, every script is the page's own
    assert browser.execute_script("return document.querySelectorAll('[onerror], [onload]').length") == 0
    scripts = browser.execute_script("return Array.from(document.scripts).map(s => s.src).filter(s => s)")
    assert sorted(s.split("/")[-1] for s in scripts) == ["0000.js", "browser.js"]
