"""Task groups, in the order of the published tables. A member may itself be a group."""

REFERENCE_TABLES = {
    "lamm2d": "2D tasks, LAMM paper protocol",
    "lamm3d": "3D tasks, LAMM paper protocol",
    "chef": "ChEF scenarios",
    "chef-desiderata": "ChEF desiderata",
    "desiderata3d": "3D desiderata (beyond ChEF)",
}
"""The groups that are the leaderboard's own tables (the LAMM paper's two, ChEF's scenario and desiderata
leaderboards, and lamm-bench's 3D desiderata), in the leaderboard's order, with their titles: the leaderboard shows
each with its columns in this order and the published numbers beside them (``lamm_bench.published``); a table with
no published number (the 3D desiderata) shows only once it has results."""

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
    "chef": (
        "chef-cifar10", "chef-flickr30k", "chef-voc2012", "chef-omnibenchmark", "chef-fsc147", "chef-scienceqa",
        "chef-mmbench", "chef-seedbench", "chef-mme",
    ),
    "chef-desiderata": (
        "chef-calibration-scienceqa", "chef-calibration-mmbench", "chef-icl-scienceqa", "chef-icl-mmbench",
        "chef-insfollow-scienceqa", "chef-insfollow-mmbench", "chef-robust-scienceqa", "chef-robust-mmbench",
        "chef-pope",
    ),
    "desiderata3d": ("robust3d-scanqa", "robust3d-scanrefer", "pope3d-scannet", "calibration3d-scanqa"),
}
