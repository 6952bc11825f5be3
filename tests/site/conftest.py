"""A leaderboard with its site, built through the CLI as a user would: two models on 2D box, locating,
classification, counting and 3D grounding tasks of the mini data root."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli

TASKS_A = "voc2012,cifar10,binary-loc,fsc147,scanrefer"
TASKS_B = "voc2012,binary-loc,fsc147"


@pytest.fixture(scope="session")
def site_data(mini_root, tmp_path_factory) -> Path:
    """The mini data root without its demo-data identity file: the site's tables then show as the LAMM benchmark's,
    with the paper's published rows beside the measured ones (what the sorting and reference-row tests need)."""
    import shutil

    root = tmp_path_factory.mktemp("site_data") / "data"
    shutil.copytree(mini_root, root, ignore=shutil.ignore_patterns("lamm_bench_dataset.json", "*_Instruct"))
    return root


@pytest.fixture(scope="session")
def site(site_data, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    for args in (("--model", "dummy", "--task", TASKS_A),
                 ("--model", "dummy", "--model-arg", "seed=1", "--name", "dummy-b", "--task", TASKS_B)):  # fmt: skip
        proc = run_cli("run", *args, "--data-root", str(site_data), "--out", str(out), "--no-progress")
        assert proc.returncode == 0, proc.stderr
    proc = run_cli("leaderboard", "--out", str(out), "--data-root", str(site_data))
    assert proc.returncode == 0, proc.stderr
    return out


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    """Headless Debian Chromium through chromium-driver (scripts/setup.sh installs both); never Selenium Manager."""
    import os

    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the dev extra")
    from selenium.webdriver.chrome.service import Service

    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        why = "needs Debian's chromium and chromium-driver (`make test` installs them: scripts/setup.sh --browser)"
        if os.environ.get("CI"):
            pytest.fail(why)  # CI installs them: a missing browser there is a broken setup, never a skip
        pytest.skip(why)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager go looking for a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
