"""Colour contrast, as WCAG defines it, and ink that vanishes into a background."""

from __future__ import annotations


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def low_contrast_ink(picture, background) -> float | None:
    """Share of an image's ink with contrast below 2:1 against the page.

    None if the image is opaque (under 5% of it shows the page colour) or has
    almost no ink.
    """
    colours = picture.getcolors(maxcolors=picture.width * picture.height)
    total = picture.width * picture.height

    def distance(colour) -> int:
        return max(abs(a - b) for a, b in zip(colour, background, strict=False))

    see_through = sum(n for n, colour in colours if distance(colour) <= 8)
    if see_through < 0.05 * total:
        return None
    ink = [(n, colour) for n, colour in colours if distance(colour) > 8]
    inked = sum(n for n, _ in ink)
    if inked < 0.002 * total:
        return None
    faint = sum(n for n, colour in ink if contrast(colour, background) < 2)
    return faint / inked
