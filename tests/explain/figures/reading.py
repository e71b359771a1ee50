"""Reading a figure back as a reader sees it: its labels, its description, where a label
stands; and the toy network's exact trace the figures' tests draw."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lstm_explained import LSTMWeights, forward

SVG = "{http://www.w3.org/2000/svg}"


LAYOUTS = ("desk", "phone")


def toy(steps: int = 3):
    return forward(
        [1] * steps,
        LSTMWeights.constant(1),
        activation="linear",
        recurrent_activation="linear",
        exact=True,
    )


def texts(svg: str) -> list[str]:
    """Every label as a reader sees it (lowered subscript digits joined back in)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()).replace("\u200b", "") for t in root.iter(f"{SVG}text")]


def desc_of(svg: str) -> str:
    return ET.fromstring(svg).find(f"{SVG}desc").text or ""


def positions(svg: str, label: str) -> tuple[float, float]:
    root = ET.fromstring(svg)
    for t in root.iter(f"{SVG}text"):
        if "".join(t.itertext()).replace("\u200b", "") == label:
            return float(t.get("x")), float(t.get("y"))
    raise AssertionError(f"no label {label!r}")
