"""Task groups, in the order of the LAMM paper's tables. A member may itself be a group."""

PAPER_TABLES = {"2d": "lamm2d", "3d": "lamm3d"}
"""The groups that are the LAMM paper's two tables, by modality: the leaderboard shows them with their columns in
this order (before any result) and the paper's published numbers beside them (``lamm_bench.published``)."""

GROUPS = {
    "lamm2d": (
        "cifar10", "voc2012", "scienceqa", "ai2d", "flickr30k", "ucmerced", "fsc147", "svt", "celeba-smile",
        "celeba-hair", "lsp", "binary-loc",
    ),
    "lamm3d": ("scannet-det", "scanrefer", "scanqa"),
    "lamm": ("lamm2d", "lamm3d"),
    "lamm2d-chef": (
        "cifar10-chef", "voc2012-chef", "scienceqa-chef", "ai2d-chef", "flickr30k-chef", "ucmerced-chef",
        "fsc147-chef", "svt-chef", "celeba-smile-chef", "celeba-hair-chef", "locating-voc2012-chef",
        "locating-lsp-chef",
    ),
    "lamm3d-chef": ("scannet-det-chef", "scanrefer-chef", "scanqa-chef"),
}
