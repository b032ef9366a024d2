"""docs/bench.png: every bar of the run as a horizontal bar, drawn with Pillow.

Each row is the figure over its bar, oriented so that right of the line (1.0) is a pass:
value / threshold for "at least" bars, threshold / value for "at most" bars; a bar with a
threshold of 0 ("no more than simplejwt's plus 5 MiB" is stated as a difference) is drawn
as (threshold + slack) / (value + slack) with the slack given in the bar itself. The axis
is logarithmic from 0.25 to 32; the figure and the bar are written next to each row.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

LOW, HIGH = 0.25, 32.0
GREEN, RED, GREY = (46, 139, 87), (200, 50, 50), (150, 150, 150)


def _font(size: int) -> Any:
    for path in (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ):
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def margin(bar: dict[str, Any]) -> float | None:
    """How far past its bar a figure is (1.0 = exactly on it, > 1 = passes)."""
    value, threshold = bar["value"], bar["threshold"]
    if value is None:
        return None
    slack = bar.get("chart_slack", 0.0)
    if bar["kind"] == ">=":
        return value / threshold if threshold else None
    if value + slack <= 0:
        return HIGH
    return (threshold + slack) / (value + slack)


def draw(bars: list[dict[str, Any]], path: Path, subtitle: str) -> None:
    rows = [b for b in bars if b["value"] is not None]
    label_w, plot_w, value_w, row_h, top = 560, 520, 300, 30, 90
    width = label_w + plot_w + value_w + 40
    height = top + row_h * len(rows) + 60
    img = Image.new("RGB", (width, height), "white")
    d = ImageDraw.Draw(img)
    title, small, tiny = _font(20), _font(14), _font(12)
    d.text((20, 14), "pyauth benchmarks: each figure against its bar", fill="black", font=title)
    d.text((20, 44), subtitle, fill=(80, 80, 80), font=tiny)

    x0 = label_w + 20

    def x_of(m: float) -> float:
        m = min(max(m, LOW), HIGH)
        return x0 + plot_w * (math.log(m / LOW) / math.log(HIGH / LOW))

    for tick in (0.25, 0.5, 1, 2, 4, 8, 16, 32):
        x = x_of(tick)
        d.line([(x, top - 8), (x, top + row_h * len(rows))], fill=(225, 225, 225))
        d.text((x - 10, top - 26), f"{tick:g}x", fill=GREY, font=tiny)
    for i, b in enumerate(rows):
        y = top + i * row_h
        m = margin(b) or LOW
        ok = b["status"].startswith("PASS")
        d.text((20, y + 6), b["name"][:72], fill="black", font=small)
        d.rectangle([x0, y + 6, x_of(m), y + row_h - 6], fill=GREEN if ok else RED)
        op = "≥" if b["kind"] == ">=" else "≤"
        text = f"{b['value']:.2f} (bar {op} {b['threshold']:g}) {b['status']}"
        d.text((x0 + plot_w + 12, y + 6), text, fill=GREEN if ok else RED, font=small)
    one = x_of(1.0)
    d.line([(one, top - 8), (one, top + row_h * len(rows))], fill="black", width=2)
    d.text(
        (20, height - 40),
        "Bar length: the figure over its bar (log scale); right of the black line passes. "
        "Absolute figures vary between machines; compare ratios.",
        fill=(80, 80, 80),
        font=tiny,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, optimize=True)
