"""``data check`` throughput: decoding every media file of a synthetic data root, one thread vs several.

Writes a data root whose CIFAR-10 meta file names ``--images`` JPEGs of ``--size`` (LAMM's VOC, Flickr30k and
ScienceQA images are around 500x375) and whose ScanQA meta file names ``--scenes`` point clouds of ``--points``
x 6 float32 (a ScanNet ``_vert.npy`` is of that order), then times :func:`lamm_bench.datacheck.check_data` on
those two tasks with 1 worker (the calling thread) and with ``--workers`` threads, and extrapolates to 75,000 files.

Run: ``python benchmarks/bench_datacheck.py [--images 3000] [--size 500x375] [--scenes 20] [--workers N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from lamm_bench import registry
from lamm_bench.datacheck import check_data


def write_root(root: Path, images: int, size: tuple[int, int], scenes: int, points: int) -> None:
    rng = np.random.default_rng(0)
    folder = root / "2D_Benchmark/cifar10_images"
    folder.mkdir(parents=True)
    base = rng.integers(0, 255, (size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    records = []
    for i in range(images):
        # a smooth picture plus noise compresses like a photo (a pure-noise JPEG would be far larger)
        pixels = np.kron(np.roll(base, i, axis=0), np.ones((8, 8, 1), dtype=np.uint8))
        pixels = np.clip(pixels + rng.integers(-12, 12, pixels.shape), 0, 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.jpg", quality=90)
        records.append({"id": i, "image": f"cifar10_images/{i}.jpg", "label": "cat", "query": "What is it?"})
    (root / "2D_Benchmark/meta_file").mkdir()
    (root / "2D_Benchmark/meta_file/Classification_CIFAR10.json").write_text(json.dumps(records))
    pcls = root / "3D_Benchmark/scannet_pcls"
    pcls.mkdir(parents=True)
    scan = []
    for i in range(scenes):
        np.save(pcls / f"scene{i:04d}_00_vert.npy", rng.normal(size=(points, 6)).astype(np.float32))
        scan.append({"id": i, "pcl": f"./scannet_pcls/scene{i:04d}_00_vert.npy", "query": "Q?",
                     "gt_choice": 0, "gt_choices": ["a", "b"]})  # fmt: skip
    (root / "3D_Benchmark/meta_file").mkdir()
    (root / "3D_Benchmark/meta_file/VQA_ScanQA_multiplechoice.json").write_text(json.dumps(scan))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=3000)
    parser.add_argument("--size", default="500x375")
    parser.add_argument("--scenes", type=int, default=20)
    parser.add_argument("--points", type=int, default=150_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    specs = [registry.get_task("cifar10"), registry.get_task("scanqa")]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_root(root, args.images, size, args.scenes, args.points)
        print(f"{args.images} JPEGs {args.size}, {args.scenes} point clouds {args.points}x6 float32")
        for workers in dict.fromkeys((1, args.workers)):
            report = check_data(root, specs, workers=workers)
            assert report.ok and report.media_checked == args.images + args.scenes
            rate = report.media_checked / report.seconds
            print(f"workers {workers}: {report.seconds:6.2f} s, {rate:7.1f} files/s, "
                  f"75,000 files in ~{75_000 / rate / 60:.1f} min")  # fmt: skip


if __name__ == "__main__":
    main()
