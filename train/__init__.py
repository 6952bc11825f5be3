"""The LoRA trainer of the native LAMM model (``lamm-bench train``); the evaluator never imports it.

Light on import: the heavy parts (torch, accelerate, peft) load in :mod:`lamm_bench.train.loop` when a run
starts. ``config`` holds the settings and presets, ``data`` the instruction format and loss mask, ``schedule``
the LR function, ``model``/``dataset``/``checkpoint``/``loop`` the torch side, ``cli`` the command.
"""
