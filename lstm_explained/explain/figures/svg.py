"""Drawing primitives shared by every figure: a canvas, text, wires, boxes, operators, a legend.

Figures are SVG strings drawn in user units on a `Canvas`. Text is set at `FONT` user
units or more, and each layout is sized so that this renders at 10 CSS px or more at
the widths the site's stylesheet gives it (a desk layout from `DESK_MIN_PX` wide, a
phone layout below that). Colours are `currentColor` and Material's CSS variables, so a
figure follows the page's light or dark palette; presentation attributes keep it
readable where no stylesheet applies (a notebook).

Text may be a template: `{name}` fields are filled from the canvas's `values`. A canvas
without values writes the template into a `data-text` attribute instead, for a script to
fill (the interactive stepper does this), so the page and the script share one drawing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

FONT = 13  # user units: the smallest text in any figure
LINE = 16  # baseline to baseline
DESK_MIN_PX = 660  # below this container width the stylesheet shows the phone layout
OP_R = 12  # radius of an operator circle
BACKGROUND = "var(--md-default-bg-color, Canvas)"  # boxes hide the wires behind them
FIELD = re.compile(r"\{(\w+)\}")

Point = tuple[float, float]

# Advance widths in em, generous (DejaVu Sans is the widest common UI font), so a box
# sized from them holds its text in any font a reader's browser picks.
_NARROW = set("ilj.,:;' ·|!")
_WIDE = set("+=×<>−≈→←↑↓")
_EM = {**dict.fromkeys("0123456789", 0.64), **dict.fromkeys("()[]", 0.4), "-": 0.37, "_": 0.5,
       "σ": 0.64, "φ": 0.72, "Σ": 0.72, "/": 0.34, "ₜ": 0.4, "₋": 0.5, " ": 0.32}  # fmt: skip


def text_width(text: str, size: float = FONT, *, bold: bool = False) -> float:
    """An upper estimate of how wide `text` is at `size` user units."""
    em = 0.0
    for ch in text:
        if ch in _EM:
            em += _EM[ch]
        elif ch in _NARROW:
            em += 0.32
        elif ch in _WIDE:
            em += 0.84
        elif ch in "frt":
            em += 0.42
        elif ch.isupper():
            em += 0.72
        elif "\u2080" <= ch <= "\u209c":  # subscript digits and letters
            em += 0.42
        else:
            em += 0.64
    return em * size * (1.08 if bold else 1.0)


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with each `{name}` replaced by `values[name]`."""
    return FIELD.sub(lambda m: values[m[1]], template)


_SUBSCRIPT = re.compile("([\u2080-\u2089]+)")
_DIGIT = str.maketrans("\u2080\u2081\u2082\u2083\u2084\u2085\u2086\u2087\u2088\u2089", "0123456789")


def subscripts(text: str) -> str:
    """Unicode subscript digits ("c₁") as lowered digits at full size: most fonts draw
    "₁" too small to read once a figure is scaled to a phone."""
    return _SUBSCRIPT.sub(
        lambda m: f'<tspan dy="4">{m[1].translate(_DIGIT)}</tspan><tspan dy="-4">\u200b</tspan>',
        text,
    )


def num(v: float) -> str:
    """A coordinate as SVG writes it: one decimal at most, no trailing zeros."""
    return f"{v:.1f}".rstrip("0").rstrip(".")


@dataclass
class Canvas:
    """One SVG being drawn. Wires go below shapes, shapes below labels.

    `values` fills `{name}` fields in text; `None` makes a template for a script.
    `focus` dims everything not drawn with `hl=True`, to single out one path.
    """

    width: float
    height: float
    ident: str
    values: Mapping[str, str] | None = None
    focus: bool = False
    wires: list[str] = field(default_factory=list)
    shapes: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)

    def _cls(self, base: str, cls: str, hl: bool) -> str:
        parts = [base, cls, "lx-hl" if hl else ("lx-dim" if self.focus else "")]
        return " ".join(p for p in parts if p)

    def text(
        self,
        x: float,
        y: float,
        template: str,
        cls: str = "",
        anchor: str = "start",
        *,
        hl: bool = False,
    ) -> None:
        """One line of text; `y` is its baseline. `anchor`: start, middle or end."""
        attrs = f'x="{num(x)}" y="{num(y)}" class="{self._cls("lx-t", cls, hl)}"'
        if anchor != "start":
            attrs += f' text-anchor="{anchor}"'
        if self.values is None:
            body = ""
            attrs += f' data-text="{escape(template)}"'
        else:
            body = subscripts(escape(fill(template, self.values)))
        self.labels.append(f"<text {attrs}>{body}</text>")

    def lines(
        self,
        x: float,
        y: float,
        templates: Sequence[str],
        cls: Sequence[str] | str = "",
        anchor: str = "start",
        *,
        hl: bool = False,
    ) -> None:
        """Several lines of text, the first baseline at `y`, `LINE` apart."""
        classes = [cls] * len(templates) if isinstance(cls, str) else list(cls)
        for k, (template, c) in enumerate(zip(templates, classes, strict=True)):
            self.text(x, y + k * LINE, template, c, anchor, hl=hl)

    def wire(
        self,
        points: Sequence[Point],
        *,
        arrow: bool = True,
        hops: Iterable[Point] = (),
        cls: str = "",
        hl: bool = False,
    ) -> None:
        """A polyline of horizontal and vertical segments, ending in an arrow head.

        `hops` are points where this wire jumps over another one with a small arc.
        """
        hop_list = list(hops)
        d = f"M{num(points[0][0])} {num(points[0][1])}"
        r = 5.0
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            dx, dy = (x1 > x0) - (x1 < x0), (y1 > y0) - (y1 < y0)
            on = [h for h in hop_list if _between(h, (x0, y0), (x1, y1))]
            on.sort(key=lambda h: abs(h[0] - x0) + abs(h[1] - y0))
            for hx, hy in on:
                d += f" L{num(hx - dx * r)} {num(hy - dy * r)}"
                sweep = 1 if dx > 0 or dy < 0 else 0
                d += f" A{num(r)} {num(r)} 0 0 {sweep} {num(hx + dx * r)} {num(hy + dy * r)}"
            d += f" L{num(x1)} {num(y1)}"
        marker = ""
        if arrow:
            marker = f' marker-end="url(#{self.ident}-arrow{"-hl" if hl else ""})"'
        self.wires.append(f'<path d="{d}" class="{self._cls("lx-wire", cls, hl)}"{marker}/>')

    def box(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        cls: str = "",
        *,
        rx: float = 6,
        hl: bool = False,
    ) -> None:
        """A rectangle with rounded corners, filled with the page's background."""
        self.shapes.append(
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" '
            f'rx="{num(rx)}" class="{self._cls("lx-box", cls, hl)}"/>'
        )

    def outline(self, x: float, y: float, w: float, h: float) -> None:
        """A dashed outline under everything else: the cell's boundary."""
        self.wires.insert(0, (
            f'<rect x="{num(x)}" y="{num(y)}" width="{num(w)}" height="{num(h)}" rx="14" '
            'class="lx-body" stroke-dasharray="6 4" opacity="0.5"/>'
        ))  # fmt: skip

    def op(self, center: Point, sign: str, *, hl: bool = False) -> None:
        """An operator circle: × (element-wise product) or + (sum)."""
        x, y = center
        cls = self._cls("lx-box lx-op", "", hl)
        self.shapes.append(f'<circle cx="{num(x)}" cy="{num(y)}" r="{OP_R}" class="{cls}"/>')
        self.text(x, y + 5, sign, "lx-sign", "middle", hl=hl)

    def render(self, *, title: str, desc: str, cls: str) -> str:
        """The finished SVG element. `title` and `desc` may hold `{name}` fields like any text."""
        ident = self.ident
        if self.values is None:
            desc_attr, desc_body = f' data-text="{escape(desc)}"', ""
            title_attr, title_body = f' data-text="{escape(title)}"', ""
        else:
            desc_attr, desc_body = "", escape(fill(desc, self.values))
            title_attr, title_body = "", escape(fill(title, self.values))
        svg_cls = " ".join(c for c in ("lx-svg", cls, "lx-focus" if self.focus else "") if c)
        arrow = (
            '<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" '
            'markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" '
            'class="{cls}" fill="currentColor"/></marker>'
        )
        return "".join([
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {num(self.width)} '
            f'{num(self.height)}" role="img" class="{svg_cls}" '
            f'aria-labelledby="{ident}-title {ident}-desc">',
            f'<title id="{ident}-title"{title_attr}>{title_body}</title>',
            f'<desc id="{ident}-desc"{desc_attr}>{desc_body}</desc>',
            "<defs>",
            arrow.format(id=f"{ident}-arrow", cls="lx-head"),
            arrow.format(id=f"{ident}-arrow-hl", cls="lx-head lx-hl"),
            "</defs>",
            # presentation attributes, for pages without the site's stylesheet
            '<g fill="none" stroke="currentColor" stroke-width="1.5">', *self.wires, "</g>",
            f'<g fill="{BACKGROUND}" stroke="currentColor" stroke-width="1.5">',
            *self.shapes,
            "</g>",
            f'<g fill="currentColor" font-size="{FONT}">', *self.labels, "</g>",
            "</svg>",
        ])  # fmt: skip


def _between(p: Point, a: Point, b: Point) -> bool:
    """Whether `p` lies strictly inside the axis-aligned segment from `a` to `b`."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    if ay == by == py:
        return min(ax, bx) < px < max(ax, bx)
    if ax == bx == px:
        return min(ay, by) < py < max(ay, by)
    return False


@dataclass(frozen=True)
class LegendEntry:
    """One line of a legend: a small sample drawing (`kind`) and what it means."""

    kind: str  # "box", "op", "wire", "hl" (a highlighted wire) or "text" (no sample)
    label: str
    sign: str = ""
    width: float = 0.0  # the label's width once filled, if it holds {fields}


def legend(
    canvas: Canvas, x: float, y: float, entries: Sequence[LegendEntry], *, width: float
) -> float:
    """Lay the entries out in rows that fit `width`, starting at (x, y); returns the bottom."""
    left, top = x, y
    row_h = LINE + 6
    for entry in entries:
        indent = 0 if entry.kind == "text" else 26
        w = indent + 4 + (entry.width or text_width(entry.label))
        if left > x and left + w > x + width:
            left, top = x, top + row_h
        cy = top + row_h / 2
        if entry.kind == "box":
            canvas.box(left, cy - 8, 20, 16, rx=3)
        elif entry.kind == "op":
            canvas.shapes.append(
                f'<circle cx="{num(left + 10)}" cy="{num(cy)}" r="8" class="lx-box lx-op"/>'
            )
            canvas.text(left + 10, cy + 4, entry.sign, "lx-sign lx-small-sign", "middle")
        elif entry.kind in ("wire", "hl"):
            canvas.wire([(left, cy), (left + 20, cy)], hl=entry.kind == "hl")
        canvas.text(left + indent, cy + 4.5, entry.label, "lx-legend")
        left += w + 14
    return top + row_h
