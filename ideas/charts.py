"""Charts as plain data, drawn as SVG by the macros in ``templates/dashboard/charts.html``.

Server-rendered, no JavaScript, and nothing in a ``style`` attribute (the CSP allows
none): geometry and colour go in SVG presentation attributes, the rest in
``static/dashboard.css``. A chart is an image to assistive technology (``role="img"``)
named by its ``<title>`` and described by its ``<desc>``, which spells out every number;
the page shows the same numbers in a table too.

The functions here are pure: they take labels already translated and numbers, and
return where each bar goes. Jinja escapes the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Horizontal bars: a label column, the bars, room for the number after the longest.
BAR_WIDTH = 480
LABEL_WIDTH = 170
VALUE_ROOM = 50
BAR_HEIGHT = 22
BAR_GAP = 10
LABEL_CHARS = 22  # longer labels are cut in the picture (the table has them whole)

# Columns (a time axis): one per month, its label below, the number above.
COLUMN_WIDTH = 36
COLUMN_GAP = 12
COLUMN_PLOT_HEIGHT = 120
COLUMN_TOP = 22  # room for the number above the highest column
COLUMN_AXIS = 28  # room for the labels below
MAX_AXIS_LABELS = 12

BAR_COLOUR = "#005a8c"  # the brand blue: 7:1 against white


@dataclass(frozen=True)
class Bar:
    label: str  # whole, for the description
    short: str  # as drawn
    value: int
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the ids of <title> and <desc> derive from it
    title: str
    desc: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    baseline: float = 0  # columns: where they stand
    colour: str = BAR_COLOUR

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"


def describe(rows: Sequence[tuple[str, int]]) -> str:
    """Every number in words a screen reader reads out: ``"Vi vill: 3; Vi är öppna: 1"``."""
    return "; ".join(f"{label}: {value}" for label, value in rows)


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _scale(value: int, largest: int, length: float) -> float:
    return round(length * value / largest, 1) if largest > 0 else 0.0


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int]]) -> Chart:
    """Horizontal bars, one per ``(label, value)`` row, in the order given; the
    longest bar fills the width."""
    largest = max((value for _label, value in rows), default=0)
    plot = BAR_WIDTH - LABEL_WIDTH - VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(rows):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        width = _scale(value, largest, plot)
        middle = y + BAR_HEIGHT / 2 + 5  # a 14-unit font's baseline, centred on the bar
        bars.append(
            Bar(
                label=label,
                short=shorten(label),
                value=value,
                x=LABEL_WIDTH,
                y=y,
                width=width,
                height=BAR_HEIGHT,
                label_x=LABEL_WIDTH - 8,
                label_y=middle,
                value_x=LABEL_WIDTH + width + 6,
                value_y=middle,
            )
        )
    height = BAR_GAP + len(rows) * (BAR_HEIGHT + BAR_GAP)
    return Chart(chart_id, title, describe(rows), BAR_WIDTH, height, tuple(bars))


def column_chart(
    chart_id: str, title: str, rows: Sequence[tuple[str, int]], *, largest: int | None = None
) -> Chart:
    """Vertical columns along an axis (months), in the order given. ``largest`` sets a
    common scale for small multiples, so that equal heights mean equal numbers."""
    if largest is None:
        largest = max((value for _label, value in rows), default=0)
    step = -(-len(rows) // MAX_AXIS_LABELS) or 1  # label every step-th column
    base = COLUMN_TOP + COLUMN_PLOT_HEIGHT
    bars = []
    for index, (label, value) in enumerate(rows):
        x = COLUMN_GAP + index * (COLUMN_WIDTH + COLUMN_GAP)
        height = _scale(value, largest, COLUMN_PLOT_HEIGHT)
        middle = x + COLUMN_WIDTH / 2
        bars.append(
            Bar(
                label=label,
                short=label,
                value=value,
                x=x,
                y=base - height,
                width=COLUMN_WIDTH,
                height=height,
                label_x=middle,
                label_y=base + 18,
                value_x=middle,
                value_y=base - height - 6,
                show_label=index % step == 0,
            )
        )
    width = max(COLUMN_GAP + len(rows) * (COLUMN_WIDTH + COLUMN_GAP), 160)
    return Chart(
        chart_id, title, describe(rows), width, base + COLUMN_AXIS, tuple(bars), baseline=base
    )


def small_multiples(
    chart_id: str,
    titles: Sequence[tuple[str, str]],
    months: Sequence[str],
    counts: dict[str, dict[str, int]],
) -> list[Chart]:
    """One column chart per series over the same ``months``, on one scale.

    ``titles`` is ``[(series key, chart title), ...]``; ``counts`` is ``{month: {series
    key: number}}`` (a month or series missing counts as 0)."""
    largest = max((n for per in counts.values() for n in per.values()), default=0)
    return [
        column_chart(
            f"{chart_id}-{index}",
            title,
            [(month, counts.get(month, {}).get(key, 0)) for month in months],
            largest=largest,
        )
        for index, (key, title) in enumerate(titles)
    ]
