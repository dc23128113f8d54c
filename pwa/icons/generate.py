"""Draw Waypoint's app icons as PNGs with the standard library only: python3 generate.py."""

import math
import struct
import zlib
from pathlib import Path

TEAL = (31, 95, 91)
WHITE = (255, 255, 255)
SAMPLES = 4  # per axis: 16 samples per pixel for smooth edges


def coverage(x: float, y: float, rounded: bool) -> tuple[float, float]:
    """(background alpha, mark alpha) at a point of the unit square."""
    if rounded:
        r = 0.22
        cx, cy = min(max(x, r), 1 - r), min(max(y, r), 1 - r)
        inside = math.hypot(x - cx, y - cy) <= r
    else:
        inside = True
    d = math.hypot(x - 0.5, y - 0.5)
    ring = 0.22 <= d <= 0.30
    dot = d <= 0.09
    return (1.0 if inside else 0.0), (1.0 if inside and (ring or dot) else 0.0)


def draw(size: int, rounded: bool) -> bytes:
    """RGBA rows of one icon."""
    rows = bytearray()
    step = 1 / (size * SAMPLES)
    for py in range(size):
        rows.append(0)  # PNG filter type 0 for this row
        for px in range(size):
            bg = mark = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = (px * SAMPLES + sx + 0.5) * step
                    y = (py * SAMPLES + sy + 0.5) * step
                    b, m = coverage(x, y, rounded)
                    bg += b
                    mark += m
            n = SAMPLES * SAMPLES
            bg, mark = bg / n, mark / n
            colour = [
                round(TEAL[i] * (1 - mark / bg) + WHITE[i] * (mark / bg)) if bg else 0
                for i in range(3)
            ]
            rows.extend((*colour, round(bg * 255)))
    return bytes(rows)


def png(size: int, rounded: bool) -> bytes:
    """A complete PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(draw(size, rounded), 9))
        + chunk(b"IEND", b"")
    )


if __name__ == "__main__":
    here = Path(__file__).parent
    for name, size, rounded in (
        ("icon-192.png", 192, True),
        ("icon-512.png", 512, True),
        ("maskable-512.png", 512, False),
        ("apple-touch-icon.png", 180, False),
    ):
        (here / name).write_bytes(png(size, rounded))
