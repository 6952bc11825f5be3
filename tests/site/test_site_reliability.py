"""The prediction browser's reliability diagram: the bins read from any result's ``Acc_bins@i`` / ``Prob_bins@i``
(with or without a run prefix), the points where they belong, and on a real calibration run's page in Chromium."""

from __future__ import annotations

import re

from test_site_browser import open_page

import lamm_bench
from lamm_bench.rows import read_prediction_rows
from lamm_bench.site.browser import write_task_pages
from lamm_bench.site.index import static
from lamm_bench.site.media import MediaMaker
from lamm_bench.site.reliability import diagram_svg, reliability_bins, reliability_html


def test_bins_by_prefix_in_bin_order_and_incomplete_bins_left_out():
    metrics = {"ECE": 0.1, "ACC": 50.0, "Acc_bins@1": 1.0, "Prob_bins@1": 0.9, "Acc_bins@0": 0.0, "Prob_bins@0": 0.2,
               "Acc_bins@2": 0.5, "clean/Acc_bins@0": 0.25, "clean/Prob_bins@0": 0.5, "x/Prob_bins@0": float("nan"),
               "x/Acc_bins@0": 0.5}  # fmt: skip
    assert reliability_bins(metrics) == {"": [(0.2, 0.0), (0.9, 1.0)], "clean/": [(0.5, 0.25)]}
    assert reliability_bins({"ACC": 1.0}) == {} and reliability_html({"ACC": 1.0}) == ""


def test_a_bin_is_drawn_at_its_confidence_and_accuracy_with_its_gap_to_the_diagonal():
    svg = diagram_svg([(0.5, 0.25), (1.0, 1.0)], "t")
    # the plot spans 34..254 both ways: confidence 0.5 -> x 144, accuracy 0.25 -> y 34 + 0.75 * 220 = 199
    assert '<circle class="bin" cx="144.0" cy="199.0" r="3.5"><title>bin 0: confidence 0.500, accuracy 0.250' in svg
    assert '<line class="gap" x1="144.0" y1="199.0" x2="144.0" y2="144.0"/>' in svg  # down to the diagonal's y
    assert '<polyline class="bins" points="144.0,199.0 254.0,34.0"/>' in svg
    assert '<line class="diagonal" x1="34" y1="254" x2="254" y2="34"/>' in svg


def test_a_calibration_page_shows_its_diagram(browser, mini_root, tmp_path):
    [result] = lamm_bench.evaluate("dummy", ["chef-calibration-scienceqa"], data_root=mini_root, out_dir=tmp_path)
    rows = read_prediction_rows(tmp_path / "results/dummy/chef-calibration-scienceqa.predictions.jsonl")
    folder = tmp_path / "predictions"
    page = write_task_pages(folder / "dummy", result, rows, MediaMaker(folder / "media", None))
    for name in ("site.css", "browser.js"):
        (folder / name).write_text(static(name))
    text = page.read_text()
    bins = reliability_bins(result.metrics)[""]
    assert len(bins) == 6 == len(rows)  # six items: one bin each
    assert len(re.findall(r'<circle class="bin"', text)) == 6
    assert f"ECE {result.metrics['ECE']:.4f} (a fraction)" in text
    open_page(browser, page)
    figure = browser.find_element("css selector", "figure.reliability")
    assert figure.is_displayed() and figure.size["width"] > 200 and figure.size["height"] > 200
    assert len(figure.find_elements("css selector", "circle.bin")) == 6
    assert "equal-count bins" in figure.text
