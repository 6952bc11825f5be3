"""lamm-bench's own warnings reach the terminal as bare lines, even after a library configures the root logger
(one did during first-use training, and the lines came out as ``WARNING:lamm_bench.demo.tiny_models:...``)."""

from __future__ import annotations

import logging

from lamm_bench import cli


def test_warnings_stay_bare_lines_after_a_library_configures_root_logging(capsys):
    log = logging.getLogger("lamm_bench")
    root = logging.getLogger()
    before = (list(log.handlers), log.propagate, list(root.handlers))
    try:
        cli._log_to_stderr()
        logging.basicConfig()  # what the library did: a root handler with the WARNING:name: format
        logging.getLogger("lamm_bench.demo.tiny_models").warning("training lamm-tiny on first use")
        logging.getLogger("lamm_bench.demo.tiny_models").info("not shown")
        assert capsys.readouterr().err == "training lamm-tiny on first use\n"
    finally:
        log.handlers[:], log.propagate, root.handlers[:] = before
