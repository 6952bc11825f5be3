"""Task groups, in the order of the LAMM paper's tables. A member may itself be a group."""

GROUPS = {
    "lamm2d": ("cifar10", "scienceqa"),
    "lamm": ("lamm2d", "lamm3d"),
}
