"""``python -m lamm_bench`` (what ``torchrun -m lamm_bench run ...`` starts on every rank)."""

from lamm_bench.cli import main

main()
