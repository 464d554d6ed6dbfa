"""Draw the addon's icon, static/description/icon.png (128 x 128, as OCA's icons).

``python tools/make_icon.py directo_connector`` (needs Pillow, which Odoo requires). A
rounded square with an invoice leaving for Directo and a payment coming back: two arrows
and a document, drawn at four times the size and scaled down for smooth edges.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 128
SCALE = 4
BACKGROUND = (21, 101, 140, 255)  # deep blue-teal
PAPER = (255, 255, 255, 255)
LINES = (21, 101, 140, 255)
OUTGOING = (255, 255, 255, 255)
INCOMING = (255, 196, 61, 255)  # the paid status coming back


def _arrow(draw: ImageDraw.ImageDraw, y: int, x_from: int, x_to: int, colour) -> None:
    s = SCALE
    head = 12 * s if x_to > x_from else -12 * s  # the head's length, pointing to x_to
    shaft_end = x_to - head
    draw.rectangle(
        [min(x_from, shaft_end), y - 4 * s, max(x_from, shaft_end), y + 4 * s], fill=colour
    )
    draw.polygon([(x_to, y), (shaft_end, y - 11 * s), (shaft_end, y + 11 * s)], fill=colour)


def draw_icon() -> Image.Image:
    s = SCALE
    image = Image.new("RGBA", (SIZE * s, SIZE * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([0, 0, SIZE * s - 1, SIZE * s - 1], radius=24 * s, fill=BACKGROUND)
    # The invoice: a sheet with a folded corner and a few lines of text.
    left, top, right, bottom, fold = 20 * s, 22 * s, 62 * s, 106 * s, 12 * s
    draw.polygon(
        [(left, top), (right - fold, top), (right, top + fold), (right, bottom), (left, bottom)],
        fill=PAPER,
    )
    draw.polygon([(right - fold, top), (right - fold, top + fold), (right, top + fold)],
                 fill=(200, 215, 225, 255))  # fmt: skip
    for row in range(5):
        y = top + (26 + 13 * row) * s
        width = 30 if row % 2 == 0 else 22
        draw.rectangle([left + 6 * s, y, left + (6 + width) * s, y + 4 * s], fill=LINES)
    # Out to Directo (white), back from Directo (yellow).
    _arrow(draw, 48 * s, 68 * s, 110 * s, OUTGOING)
    _arrow(draw, 82 * s, 110 * s, 68 * s, INCOMING)
    return image.resize((SIZE, SIZE), Image.LANCZOS)


def main(argv: list[str]) -> int:
    target = Path(argv[0]) / "static" / "description" / "icon.png"
    draw_icon().save(target, optimize=True)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
