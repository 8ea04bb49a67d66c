#!/usr/bin/env python3
"""Convert the UCI 8x8 handwritten digits into MNIST-style IDX files.

Assignment a06-mnist trains on real handwritten digits without network
access at run time. MNIST itself is 55 MB and cannot ship with the repo, but
scikit-learn's PyPI package bundles a small real set: the test part of the UCI
"Optical Recognition of Handwritten Digits" data (1797 images of 8x8 pixels,
values 0..16, by 13 writers). This script turns it into the four IDX files
MNIST uses, so that the same reader and training code work on both:

    train-images-idx3-ubyte  train-labels-idx1-ubyte   (1500 images)
    t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte    (297 images)

Pixels are rescaled from 0..16 to 0..255 (round(v * 255 / 16)) so that, as
for MNIST, dividing by 255 gives [0, 1]. The train/test split is a shuffle
with a fixed seed, so the output is byte-for-byte reproducible.

It also writes a tiny set of IDX files for the reader's edge cases (a good
file whose rows and columns differ, a truncated one, a wrong magic number,
an empty one) into ``edge/``.

The input is ``sklearn/datasets/data/digits.csv.gz``: from an installed
scikit-learn, from a wheel (``pip download scikit-learn --no-deps``), or a
path given with ``--csv``. Run once; the outputs are committed:

    python3 tools/convert_digits.py --wheel scikit_learn-*.whl
    python3 tools/convert_digits.py --csv path/to/digits.csv.gz

Licences: the data is UCI's (CC BY 4.0, cite Alpaydin and Kaynak, 1998);
scikit-learn is BSD-3-Clause. See ``assignments/a06-mnist/data/LICENSE.md``.
"""
import argparse
import gzip
import io
import pathlib
import random
import struct
import sys
import zipfile

CSV_IN_PACKAGE = "sklearn/datasets/data/digits.csv.gz"
SEED = 2026
N_TEST = 297
OUT_DEFAULT = pathlib.Path(__file__).resolve().parent.parent / "assignments" / "a06-mnist" / "data"


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(1)


def read_csv_bytes(args):
    if args.csv:
        return pathlib.Path(args.csv).read_bytes()
    if args.wheel:
        with zipfile.ZipFile(args.wheel) as wheel:
            return wheel.read(CSV_IN_PACKAGE)
    try:
        import sklearn  # noqa: F401  (only to find the file)
    except ImportError:
        fail("no input: pass --csv digits.csv.gz or --wheel scikit_learn-*.whl (pip download scikit-learn --no-deps)")
    return (pathlib.Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz").read_bytes()


def parse(csv_gz):
    rows = []
    for line_no, line in enumerate(io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(csv_gz)), "ascii"), 1):
        fields = [int(v) for v in line.strip().split(",")]
        if len(fields) != 65:
            fail(f"line {line_no} has {len(fields)} fields, expected 64 pixels and a label")
        pixels, label = fields[:64], fields[64]
        if not all(0 <= p <= 16 for p in pixels) or not 0 <= label <= 9:
            fail(f"line {line_no} has a pixel outside 0..16 or a label outside 0..9")
        rows.append(([round(p * 255 / 16) for p in pixels], label))
    return rows


def idx_images(images, rows, cols, magic=2051):
    header = struct.pack(">IIII", magic, len(images), rows, cols)
    return header + bytes(p for image in images for p in image)


def idx_labels(labels, magic=2049):
    return struct.pack(">II", magic, len(labels)) + bytes(labels)


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    print(f"wrote {path} ({len(data)} bytes)")


def edge_cases(out):
    """Tiny files for the reader's edge cases; their contents are described in edge/README.md."""
    rng = random.Random(SEED)
    images = [[rng.randrange(256) for _ in range(2 * 3)] for _ in range(4)]
    good = idx_images(images, 2, 3)
    write(out / "good-4x2x3-images-idx3-ubyte", good)
    write(out / "good-4-labels-idx1-ubyte", idx_labels([3, 1, 4, 1]))
    write(out / "empty-0x2x3-images-idx3-ubyte", idx_images([], 2, 3))
    write(out / "truncated-header-images-idx3-ubyte", good[:10])
    write(out / "truncated-data-images-idx3-ubyte", good[:-5])
    write(out / "wrong-magic-images-idx3-ubyte", struct.pack(">I", 2049) + good[4:])
    write(out / "little-endian-images-idx3-ubyte", struct.pack("<IIII", 2051, 4, 2, 3) + good[16:])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", help="path to digits.csv.gz")
    parser.add_argument("--wheel", help="path to a scikit-learn wheel")
    parser.add_argument("--out", default=str(OUT_DEFAULT), help="output directory (default: the a06 data folder)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)

    data = parse(read_csv_bytes(args))
    if len(data) != 1797:
        fail(f"expected 1797 digits, found {len(data)}: is this scikit-learn's digits.csv.gz?")
    order = list(range(len(data)))
    random.Random(SEED).shuffle(order)
    test, train = order[:N_TEST], order[N_TEST:]
    for prefix, part in (("train", train), ("t10k", test)):
        write(out / "digits" / f"{prefix}-images-idx3-ubyte", idx_images([data[i][0] for i in part], 8, 8))
        write(out / "digits" / f"{prefix}-labels-idx1-ubyte", idx_labels([data[i][1] for i in part]))
    edge_cases(out / "edge")


if __name__ == "__main__":
    main()
