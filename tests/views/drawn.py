"""The page's charts drawn by a real Vega-Lite engine (vl-convert), read back in the data's units.

A chart element that the page sends (in AppTest) becomes the spec the browser gets, its data
inline; vl-convert draws it into a scenegraph; the y axis's labels turn pixels back into values,
so a test reads what a viewer sees: the axis's range and where each mark was drawn.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pytest

vl_convert = pytest.importorskip("vl_convert", reason="vl-convert-python is not installed (requirements-dev.txt)")

VEGA_LITE = "6.4"
"""The Vega-Lite major version Streamlit's frontend bundles (6), at vl-convert's newest minor."""


def _rows(arrow: Any) -> list[dict[str, Any]]:
    table = pa.ipc.open_stream(arrow.data).read_all()
    return json.loads(table.to_pandas().to_json(orient="records"))  # type: ignore[no-any-return]


def browser_spec(element: Any) -> dict[str, Any]:
    """The Vega-Lite spec of a ``vega_lite_chart`` element, with its data inline, as the browser gets it."""
    proto = element.proto
    spec: dict[str, Any] = json.loads(proto.spec)
    if proto.datasets:
        spec["datasets"] = {dataset.name: _rows(dataset.data) for dataset in proto.datasets}
    if proto.HasField("data"):
        spec["data"] = {"values": _rows(proto.data)}
    return spec


def _marks(node: Any, x: float = 0.0, y: float = 0.0) -> Iterator[tuple[dict[str, Any], float, float]]:
    """Every mark in a scenegraph with the offset of the group it is drawn in."""
    if isinstance(node, list):
        for child in node:
            yield from _marks(child, x, y)
    elif isinstance(node, dict):
        if "marktype" in node:
            yield node, x, y
            # An axis is drawn half a pixel off for crisp lines; its labels stand at the scale's own pixels.
            crisp = node.get("role") == "axis"
            for item in node.get("items", []):
                if node["marktype"] == "group":
                    dx, dy = (0, 0) if crisp else (item.get("x", 0), item.get("y", 0))
                    yield from _marks(item.get("items", []), x + dx, y + dy)
        else:
            yield from _marks(node.get("scenegraph", node.get("items", [])), x, y)


@dataclass(frozen=True)
class Drawn:
    """One chart as drawn: its y axis's labels and the marks' items, in pixels of one frame."""

    y_labels: list[tuple[float, float]]
    """``(value, pixel)`` for each label of the y axis, top to bottom."""
    items: dict[str, list[dict[str, Any]]]
    """The items of each mark type (``area``, ``line``, ``rect``, ``symbol``), offsets applied."""

    @property
    def y_range(self) -> tuple[float, float]:
        """The lowest and the highest value the y axis labels."""
        values = [value for value, _ in self.y_labels]
        return min(values), max(values)

    def value_at(self, pixel: float) -> float:
        """The data value that a y pixel stands for, by the axis's labels."""
        (top, top_px), (bottom, bottom_px) = self.y_labels[0], self.y_labels[-1]
        return bottom + (pixel - bottom_px) * (top - bottom) / (top_px - bottom_px)

    def values(self, marktype: str) -> list[float]:
        """Where each item of a mark type was drawn, in the y axis's units (a bar: its end away from zero)."""
        drawn = []
        for item in self.items.get(marktype, []):
            top = item["y"]
            if marktype == "rect" and self.value_at(item["y"] + item["height"]) < 0 <= self.value_at(top):
                top = item["y"] + item["height"]
            drawn.append(round(self.value_at(top), 6))
        return drawn


def draw(element: Any) -> Drawn:
    """Draw a ``vega_lite_chart`` element the page sent, with Vega-Lite itself."""
    scenegraph = vl_convert.vegalite_to_scenegraph(browser_spec(element), vl_version=VEGA_LITE)
    labels: list[list[tuple[float, float]]] = []
    items: dict[str, list[dict[str, Any]]] = {}
    for mark, x, y in _marks(scenegraph):
        if mark.get("role") == "axis-label":
            if len({item["y"] for item in mark["items"]}) > 1:  # a y axis: its labels stand one above another
                points = [(_number(item["text"]), y + item["y"]) for item in mark["items"]]
                labels.append(sorted(points, key=lambda point: point[1]))
        elif mark.get("role") == "mark" and mark["marktype"] != "group":
            placed = [{**item, "x": x + item.get("x", 0), "y": y + item.get("y", 0)} for item in mark["items"]]
            items.setdefault(mark["marktype"], []).extend(placed)
    assert len(labels) == 1, f"expected one y axis, found {len(labels)}"
    return Drawn(labels[0], items)


def _number(text: str) -> float:
    """An axis label as a number: d3 writes minus as U+2212, percentages with a sign."""
    cleaned = text.replace("\u2212", "-").replace(",", "")
    return float(cleaned[:-1]) / 100 if cleaned.endswith("%") else float(cleaned)
