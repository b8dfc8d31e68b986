#!/usr/bin/env python3
"""Turn a QR code drawn with UTF-8 half blocks (as tfa-enroll draws it, read
back from a terminal screen) into a PBM image that zbarimg can decode.

usage: qr2pbm.py SCREEN.txt OUT.pbm

Every text line holds two module rows: U+2580 is dark on top, U+2584 dark
below, U+2588 both, a space neither.  The block is the run of lines that
hold block characters; the image gets its own white border, so a quiet
zone the terminal trimmed does not matter.
"""
import sys

TOP, BOTTOM, FULL = "\u2580", "\u2584", "\u2588"
BLOCKS = (TOP, BOTTOM, FULL)
SCALE = 4       # pixels per module
BORDER = 8      # modules of white around the code


def qr_lines(text):
    lines = text.splitlines()
    idx = [i for i, l in enumerate(lines) if any(b in l for b in BLOCKS)]
    if not idx:
        sys.exit("qr2pbm: no QR block on the screen")
    block = lines[idx[0]:idx[-1] + 1]
    if len(block) != len(idx):
        sys.exit("qr2pbm: the QR block has a gap in it")
    return block


def modules(block):
    cols = [j for l in block for j, c in enumerate(l) if c in BLOCKS]
    left, right = min(cols), max(cols)
    rows = []
    for line in block:
        line = line.ljust(right + 1)[left:right + 1]
        top = [1 if c in (TOP, FULL) else 0 for c in line]
        bottom = [1 if c in (BOTTOM, FULL) else 0 for c in line]
        for c in line:
            if c not in BLOCKS and c != " ":
                sys.exit("qr2pbm: unexpected character %r in the QR "
                         "block" % c)
        rows += [top, bottom]
    return rows


def write_pbm(rows, path):
    width = len(rows[0]) + 2 * BORDER
    blank = [0] * width
    grid = [blank] * BORDER + [[0] * BORDER + r + [0] * BORDER
                               for r in rows] + [blank] * BORDER
    with open(path, "w") as f:
        f.write("P1\n%d %d\n" % (width * SCALE, len(grid) * SCALE))
        for r in grid:
            line = " ".join(str(m) for m in r for _ in range(SCALE))
            for _ in range(SCALE):
                f.write(line + "\n")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: qr2pbm.py SCREEN.txt OUT.pbm")
    with open(sys.argv[1], encoding="utf-8") as f:
        write_pbm(modules(qr_lines(f.read())), sys.argv[2])


if __name__ == "__main__":
    main()
