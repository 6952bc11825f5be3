"""Task groups, in the order of the LAMM paper's tables. A member may itself be a group."""

GROUPS = {
    "lamm2d": ("cifar10", "scienceqa"),
    "lamm3d": ("scannet-det", "scanrefer", "scanqa"),
    "lamm": ("lamm2d", "lamm3d"),
    "lamm2d-chef": ("cifar10-chef", "scienceqa-chef"),
    "lamm3d-chef": ("scannet-det-chef", "scanrefer-chef", "scanqa-chef"),
}
