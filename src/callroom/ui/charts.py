"""Charts for the report: open balances by age, and money promised against money collected
per week (plotext, through textual-plotext). Each chart sits beside its numbers: the chart is
for the eye, the figures beside it are the exact amounts.

Plotext draws with floats: amounts are turned into floats here only to size the bars; every
figure shown as text is formatted from the Decimal itself.
"""

from __future__ import annotations

from decimal import Decimal

import plotext._utility as _plotext_utility
from babel.numbers import format_compact_currency
from textual_plotext import PlotextPlot


def _in_order(data) -> list:
    return list(dict.fromkeys(data))


# plotext removes repeated points with list(set(...)): the order it then draws them in (and so
# which colour wins a shared cell) changed with Python's hash seed, from one run to the next.
# The same without the set keeps the order, so a chart is drawn the same way every time.
_plotext_utility.no_duplicates = _in_order

from ..domain.aging import BUCKETS
from ..domain.report import AgingRow, WeekMoney


def short_money(amount: Decimal, currency: str) -> str:
    """An axis label: "$13K", "€1.2M"."""
    return format_compact_currency(amount, currency, locale="en_US", fraction_digits=1)


def _ticks(top: Decimal, currency: str, steps: int = 3) -> tuple[list[float], list[str]]:
    if top <= 0:
        return [0.0], [short_money(Decimal(0), currency)]
    values = [top * n / steps for n in range(steps + 1)]
    return [float(v) for v in values], [short_money(v, currency) for v in values]


class AgingChart(PlotextPlot):
    """One currency's open balances per age bucket, as bars."""

    DEFAULT_CSS = "AgingChart { height: 9; width: 1fr; }"

    def __init__(self, row: AgingRow, **kw):
        super().__init__(**kw)
        self.row = row

    def on_mount(self) -> None:
        plt = self.plt
        values = [self.row.buckets[b] for b in BUCKETS]
        plt.bar(list(BUCKETS), [float(v) for v in values], width=0.6, color="cyan")
        plt.yticks(*_ticks(max(values), self.row.currency))
        plt.title(f"{self.row.currency} open, by days overdue")


class WeekMoneyChart(PlotextPlot):
    """Promised against collected per week, in one currency: two bars a week."""

    DEFAULT_CSS = "WeekMoneyChart { height: 10; width: 1fr; }"

    def __init__(self, weeks: list[WeekMoney], currency: str, **kw):
        super().__init__(**kw)
        self.weeks = weeks
        self.currency = currency

    def on_mount(self) -> None:
        plt = self.plt
        cur = self.currency
        promised = [w.promised.get(cur, Decimal(0)) for w in self.weeks]
        collected = [w.collected.get(cur, Decimal(0)) for w in self.weeks]
        labels = [f"{w.start:%d %b}" for w in self.weeks]
        plt.multiple_bar(labels, [[float(v) for v in promised], [float(v) for v in collected]],
                         labels=["promised", "collected"], color=["yellow", "green"])
        plt.yticks(*_ticks(max(promised + collected), cur))
        plt.title(f"{cur} promised and collected, per week")


def week_currencies(weeks: list[WeekMoney]) -> list[str]:
    """The currencies with anything promised or collected in these weeks."""
    return sorted({c for w in weeks for c in (*w.promised, *w.collected)})
