"""Picture renditions per second: newswire's media pipeline beside the `vips thumbnail`
command line making the same sizes of the same 12-megapixel JPEGs, in the same run.

    .venv/bin/python bench/renditions.py [--files 12] [--runs 3]

1. Makes --files JPEGs of 4,000 × 3,000 pixels (a photo's mix of smooth areas and fine
   grain, quality 90, about 4 MB each; every other one turned by EXIF orientation 6, all
   with IPTC and XMP captions, as a photo desk sends them) under bench/out/renditions/.
2. Times, one file after another:
   - `newswire`: ``Pipeline.take`` of each file, the whole way a file goes: sniffed,
     tags read by exiftool, web/preview/thumbnail made by libvips in the worker process
     (under its memory cap and deadline), original and renditions put into a fresh blob
     folder (each fsynced). Its worker is started before the clock (a server keeps it);
   - `vips thumbnail`: the CLI run three times a file (1,400, 640 and 200 pixels on the
     longest side, never enlarged, JPEG quality 82 without metadata, as newswire's);
   - the rendition step alone in this process, with libvips (newswire's code) and with
     Pillow (decoding at a reduced scale with ``draft``, then Lanczos), which is how the
     library was chosen.
3. The same with two files at a time (two workers; two CLI runs at once).
4. Reading the tags alone: an exiftool process a file, and one kept running
   (``-stay_open``), as newswire's workers keep it.

Each is run --runs times (default 3), interleaved, the best kept. Renditions per second
count the three made renditions of each file. Writes bench/out/renditions.json and prints
a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import wait_quiet  # noqa: E402
from newswire.blobs import open_blobs  # noqa: E402
from newswire.media import Pipeline  # noqa: E402
from newswire.media.metadata import TAGS  # noqa: E402
from newswire.media.probe import Exiftool  # noqa: E402
from newswire.media.renditions import PICTURE_SIZES, QUALITY, pictures  # noqa: E402

OUT = ROOT / "bench" / "out"
WIDTH, HEIGHT = 4000, 3000


def make_photos(folder: Path, count: int) -> list[Path]:
    """12-megapixel JPEGs with a photo's texture: gradients, shapes and sensor grain."""
    import pyvips

    folder.mkdir(parents=True, exist_ok=True)
    xy = pyvips.Image.xyz(WIDTH, HEIGHT)
    base = [(xy[0] * 255 / WIDTH), (xy[1] * 255 / HEIGHT), ((xy[0] + xy[1]) * 255 / (WIDTH + HEIGHT))]
    files = []
    for n in range(count):
        path = folder / f"photo-{n:02d}.jpg"
        if not path.exists():
            grain = pyvips.Image.gaussnoise(WIDTH, HEIGHT, sigma=12 + n, mean=0)
            rings = ((xy[0] - 1000 - 80 * n) ** 2 + (xy[1] - 1500) ** 2) ** 0.5
            wave = (rings / (40 + n)).sin() * 60
            bands = [(b + wave + grain).cast("uchar") for b in base]
            image = bands[0].bandjoin(bands[1:]).copy(interpretation="srgb")
            partial = path.with_suffix(".partial.jpg")  # a run stopped midway leaves no photo
            image.jpegsave(str(partial), Q=90)
            orientation = ["-Orientation#=6"] if n % 2 else []
            subprocess.run(
                ["exiftool", "-q", "-overwrite_original", "-IPTC:CodedCharacterSet=UTF8",
                 "-IPTC:Headline=رئيس الاستخبارات التركي يلتقي وفدا من حماس",
                 "-XMP-dc:Description=صورة أرشيفية من أنقرة", "-IPTC:By-line=الأناضول",
                 "-EXIF:DateTimeOriginal=2024:05:01 10:20:30", *orientation, str(partial)],
                check=True,
            )
            partial.rename(path)
        files.append(path)
    return files


def run_pipeline(files: list[Path], workers: int, warm: Path) -> float:
    folder = Path(tempfile.mkdtemp(prefix="blobs-", dir=OUT))
    try:
        with Pipeline(open_blobs(f"file://{folder}"), workers=workers) as pipeline:
            # Start the workers (and their exiftool) before the clock, as a server has them.
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(lambda n: pipeline.take(warm, name=f"warm-{n}.jpg"), range(workers)))
            start = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                done = list(pool.map(pipeline.take, files))
            took = time.perf_counter() - start
        assert all(len(m.renditions) == 4 for m in done)
        return took
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _small_jpeg(path: Path) -> None:
    import pyvips

    pyvips.Image.black(320, 240, bands=3).linear(1, [90, 120, 150]).cast("uchar").jpegsave(str(path))


def run_cli(files: list[Path], workers: int) -> float:
    out = Path(tempfile.mkdtemp(prefix="cli-", dir=OUT))

    def one(path: Path) -> None:
        for name, side in PICTURE_SIZES.items():
            target = out / f"{path.stem}-{name}.jpg[Q={QUALITY},strip,optimize_coding]"
            subprocess.run(
                ["vips", "thumbnail", str(path), str(target), str(side), "--height", str(side),
                 "--size", "down"],
                check=True,
            )

    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, files))
        return time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)


def run_in_process(files: list[Path], make: Callable[[Path, Path], object]) -> float:
    out = Path(tempfile.mkdtemp(prefix="step-", dir=OUT))
    try:
        start = time.perf_counter()
        for path in files:
            make(path, out)
        return time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)


def exiftool_per_file(files: list[Path]) -> float:
    """The tags newswire asks for, one exiftool process a file."""
    start = time.perf_counter()
    for path in files:
        subprocess.run(
            ["exiftool", "-j", "-G1", "-n", "-use", "MWG", *(f"-{t}" for t in TAGS), str(path)],
            check=True, capture_output=True,
        )
    return time.perf_counter() - start


def exiftool_stay_open(files: list[Path]) -> float:
    """The same from one exiftool kept running (``-stay_open``), as newswire's workers do."""
    tool = Exiftool()
    try:
        tool.tags(files[0], iptc_charset="cp1252")  # started before the clock
        start = time.perf_counter()
        for path in files:
            tool.tags(path, iptc_charset="cp1252")
        return time.perf_counter() - start
    finally:
        tool.close()


def pillow_renditions(path: Path, out: Path) -> None:
    """The same three JPEGs with Pillow: decoded at the largest DCT scale that still
    covers 1,400 pixels, turned upright, each size from the one before."""
    from PIL import Image, ImageOps

    image = Image.open(path)
    image.draft("RGB", (PICTURE_SIZES["web"], PICTURE_SIZES["web"]))
    image = ImageOps.exif_transpose(image)
    for name, side in PICTURE_SIZES.items():
        image.thumbnail((side, side), Image.Resampling.LANCZOS, reducing_gap=3.0)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=QUALITY, optimize=True)
        (out / f"{path.stem}-{name}.jpg").write_bytes(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quiet-wait", type=float, default=60.0,
                        help="seconds to wait for an idle machine before each run (0: none)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    files = make_photos(OUT / "renditions", args.files)
    warm = OUT / "renditions" / "warm.jpg"
    _small_jpeg(warm)
    contenders: dict[str, Callable[[], float]] = {
        "newswire Pipeline.take, 1 worker": lambda: run_pipeline(files, 1, warm),
        "vips thumbnail CLI, 3 runs a file": lambda: run_cli(files, 1),
        "rendition step alone: libvips (newswire's)": lambda: run_in_process(files, pictures),
        "rendition step alone: Pillow": lambda: run_in_process(files, pillow_renditions),
        "newswire Pipeline.take, 2 workers": lambda: run_pipeline(files, 2, warm),
        "vips thumbnail CLI, 2 files at a time": lambda: run_cli(files, 2),
        "tags alone: exiftool, a process a file": lambda: exiftool_per_file(files),
        "tags alone: exiftool -stay_open (newswire's)": lambda: exiftool_stay_open(files),
    }
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    quiet: list[float] = []
    for _ in range(args.runs):
        for name, run in contenders.items():
            if args.quiet_wait > 0:
                quiet.append(wait_quiet(args.quiet_wait))
            runs[name].append(round(run(), 3))
    renditions = 3 * len(files)
    best = {name: min(times) for name, times in runs.items()}
    rate = {name: renditions / seconds for name, seconds in best.items() if "tags" not in name}
    names = list(contenders)
    ratio_1 = rate[names[0]] / rate[names[1]]
    ratio_2 = rate[names[4]] / rate[names[5]]
    result = {
        "files": len(files), "size": f"{WIDTH}x{HEIGHT}", "renditions": renditions,
        "runs_s": runs, "best_s": best, "renditions_per_s": {k: round(v, 2) for k, v in rate.items()},
        "ratio_one_at_a_time": round(ratio_1, 2), "ratio_two_at_a_time": round(ratio_2, 2),
        "busiest_core_before_runs": quiet,
    }
    (OUT / "renditions.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"{len(files)} JPEGs of {WIDTH} × {HEIGHT}, {renditions} renditions a run, best of {args.runs}\n")
    print("| contender | seconds | renditions/s (tags: per file) |\n|---|---:|---:|")
    for name in names:
        per = f"{rate[name]:.1f}" if name in rate else f"{1000 * best[name] / len(files):.0f} ms a file"
        print(f"| {name} | {best[name]:.2f} | {per} |")
    print(f"\nnewswire / CLI: {ratio_1:.2f}x one file at a time, {ratio_2:.2f}x two at a time")


if __name__ == "__main__":
    main()
