"""Shared helpers for the metric tests (imported by name; pytest puts this folder on sys.path)."""

from __future__ import annotations


def substring_match(gt: str, text: str) -> bool:
    """A stand-in label matcher: the label appears verbatim in the text."""
    return gt in text


def obj(label: str, *bbox: float) -> dict:
    """A meta-file GT object."""
    return {"label": label, "bbox": list(bbox)}
