"""The embedded demo, outside the engine: lamm-mini's builder and its real-data sources, the synthetic fixture data
of the tests and benchmarks, and the built-in tiny LAMM models (``lamm-tiny``, ``lamm3d-tiny``, their untrained
bases) that lamm-bench's own trainer produces on first use."""
