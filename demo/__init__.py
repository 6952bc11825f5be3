"""The embedded demo, outside the engine: lamm-mini (its builder, and the source of each LAMM meta file, keyed by the
meta file's path: ``lamm_bench.demo.sources``), which the tests also build at a small scale for their data, and the
built-in tiny LAMM models (``lamm-tiny``, ``lamm3d-tiny``, their untrained bases) that lamm-bench's own trainer
produces on first use. The demo reads the tasks and the engine; neither reads the demo (the CLI's ``data mini``
command, the composition root, calls the builder)."""
