"""The report overlay (R in the session, "Report" in the palette): the figures of
`callroom report`, with block-character bars. Esc returns to the call as it was."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from ..domain import report as report_mod
from ..domain.aging import BUCKETS
from ..domain.money import format_money
from ..domain.report import Report, bar
from ..domain.words import count, plural
from ..services import Desk
from .charts import AgingChart, WeekMoneyChart, week_currencies

BAR = 24


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def _heading(text: str) -> Text:
    return Text(text, style="bold underline")


def aging_head(r: Report, row) -> Text:
    dso = r.dso.get(row.currency)
    head = Text(f"{row.currency}  ", style="bold")
    head.append(f"{format_money(row.total, row.currency)} in {count(row.invoices, 'open invoice')}")
    if dso is not None:
        head.append(f" · DSO {count(dso, 'day')}", style="dim")
    return head


def aging_numbers(row) -> Table:
    """The exact amounts beside the aging chart."""
    t = Table(box=None, show_header=False, padding=(0, 1))
    t.add_column(no_wrap=True)
    t.add_column(justify="right", no_wrap=True)
    for b in BUCKETS:
        t.add_row(b, Text(format_money(row.buckets[b], row.currency), style="red" if b in ("61-90", "90+") and row.buckets[b] else ""))
    t.add_row(Text("total", style="bold"), Text(format_money(row.total, row.currency), style="bold"))
    return t


def aging_view(r: Report) -> Group:
    """The aging figures as text with block-character bars (no chart widgets)."""
    parts: list = [_heading("Open balances by age (days overdue)")]
    if not r.aging:
        parts.append(Text("Nothing open.", style="dim"))
    for row in r.aging:
        top = max(row.buckets.values())
        t = Table(box=None, show_header=False, padding=(0, 1))
        t.add_column(no_wrap=True, width=8)
        t.add_column(justify="right", no_wrap=True)
        t.add_column(no_wrap=True)
        for b in BUCKETS:
            v = row.buckets[b]
            t.add_row(b, format_money(v, row.currency), Text(bar(v, top, BAR), style="red" if b in ("61-90", "90+") else "cyan"))
        parts += [aging_head(r, row), t]
    if r.unknown_balances:
        parts.append(Text(f"{count(r.unknown_balances, 'open invoice')} with an unknown balance "
                          f"{plural(r.unknown_balances, 'is')} not counted.", style="yellow"))
    return Group(*parts)


def week_numbers(weeks, currency: str) -> Table:
    """The exact amounts beside the promised/collected chart, oldest week first as in the chart."""
    t = Table(box=None, padding=(0, 1), header_style="bold")
    t.add_column("Week of", no_wrap=True)
    t.add_column("Promised", justify="right", no_wrap=True)
    t.add_column("Collected", justify="right", no_wrap=True)
    for w in weeks:
        t.add_row(f"{w.start:%d %b}", format_money(w.promised.get(currency, 0), currency),
                  format_money(w.collected.get(currency, 0), currency))
    return t


def promises_view(r: Report) -> Group:
    p = r.promises
    t = Text()
    t.append(f"Kept {p.kept} of {p.judged}", style="bold")
    t.append(f"  ({_pct(p.kept_rate)} by count) · partly kept {p.partly_kept} · broken {p.broken}\n")
    for cur in sorted(p.promised):
        t.append(f"{cur}: {format_money(p.paid_by_due.get(cur, 0), cur)} arrived of {format_money(p.promised[cur], cur)} promised "
                 f"({_pct(p.amount_rate(cur))} by amount)\n")
    t.append(f"Still open (not yet due): {p.still_open}" + (f", {p.paid_early} already paid in full" if p.paid_early else ""), style="dim")
    trend = Table(box=None, show_header=False, padding=(0, 1))
    trend.add_column(no_wrap=True)
    trend.add_column(no_wrap=True)
    trend.add_column(justify="right", no_wrap=True)
    trend.add_column(no_wrap=True)
    top = max([x.kept for x in r.trend] + [x.broken + x.partly_kept for x in r.trend] + [1])
    for x in r.trend:
        missed = x.broken + x.partly_kept
        trend.add_row(x.period, "kept", str(x.kept), Text(bar(x.kept, top, BAR), style="green"))
        trend.add_row("", "broken", str(missed), Text(bar(missed, top, BAR), style="red"))
    return Group(_heading("Promises (judged once their date has passed)"), t, Text(""),
                 Text(f"Kept and broken per {r.trend_by} (t: month/week)", style="bold"), trend)


def sessions_view(r: Report) -> Group:
    # Every figure and heading is shown whole, from 80 columns up: a rate sits beside its
    # count, the headings take two lines, and only the amounts promised wrap (one currency
    # a line) when the screen is narrow. Nothing is cut to '…'.
    t = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    for name, just in (("Session", "left"), ("Calls", "right"), ("Reached\n(rate)", "right"),
                       ("Promises\n(rate)", "right"), ("Calls\nper hour", "right")):
        t.add_column(name, justify=just, no_wrap=True, min_width=max(len(x) for x in name.split("\n")))  # type: ignore[arg-type]
    t.add_column("Promised", justify="left", no_wrap=False, overflow="fold", ratio=1, min_width=12)
    for s in r.sessions + [r.overall]:
        name = f"#{s.session_id} {s.started:%d %b %H:%M}" if s.session_id is not None and s.started else "All calls"
        t.add_row(name, str(s.calls), f"{s.reached} ({_pct(s.reach_rate)})", f"{s.promises} ({_pct(s.promise_rate)})",
                  str(s.calls_per_hour) if s.calls_per_hour is not None else "—",
                  Text(", ".join(format_money(a, c) for c, a in sorted(s.promised.items())) or "—"),
                  style="bold" if s.session_id is None else "")
    c = r.collected
    got = ", ".join(format_money(a, cur) for cur, a in sorted(c.amounts.items())) or "nothing yet"
    after = Text(f"Collected within {count(c.window_days, 'day')} after reaching the client: ", style="bold")
    after.append(f"{got} ({count(c.payments, 'payment')}, after {c.calls} of {count(c.reached_calls, 'reached call')})", style="")
    extra = [Text(f"{count(r.empty_sessions, 'session')} without calls left out.", style="dim")] if r.empty_sessions else []
    return Group(_heading("Calls per session"), t, *extra, Text(""), after)


def followups_view(r: Report) -> Group:
    end = r.as_of + timedelta(days=report_mod.WEEK_DAYS - 1)
    fd = lambda d: format_date(d, "EEE d MMM", locale="en_US")  # noqa: E731
    t = Table(box=None, padding=(0, 1), show_header=False)
    t.add_column(no_wrap=True, style="bold")
    t.add_column(no_wrap=True, style="cyan")
    t.add_column()
    for f in r.followups:
        t.add_row(fd(f.day), f.kind, Text(f.title))  # Text: a client's name is never read as markup
    body = t if r.followups else Text("None.", style="dim")
    return Group(_heading(f"Follow-ups due {fd(r.as_of)} to {fd(end)}"), body)


def escalation_view(r: Report) -> Group:
    """Clients and money at each escalation stage, and the routes closed by a payment."""
    # As the session table: figures and headings whole from 80 columns up; the stage names
    # and the money wrap instead of being cut to '…'.
    t = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    t.add_column("Stage", no_wrap=False, overflow="fold", ratio=2, min_width=14)
    t.add_column("Clients", justify="right", no_wrap=True, min_width=len("Clients"))
    t.add_column("Money", no_wrap=False, overflow="fold", ratio=3, min_width=12)
    t.add_column("Due\nback", justify="right", no_wrap=True, min_width=len("back"))
    for st in r.escalation:
        money = ", ".join(format_money(a, cur) for cur, a in sorted(st.money.items())) or "—"
        t.add_row(Text(st.label), str(st.clients), Text(money), str(st.due) if st.due else "", style="" if st.clients else "dim")
    parts: list = [_heading("Escalation: clients and money at each stage"), t]
    cl = r.escalation_closed
    if cl.paid or cl.part_paid:
        got = ", ".join(format_money(a, cur) for cur, a in sorted(cl.recovered.items()))
        saved = ", ".join(format_money(a, cur) for cur, a in sorted(cl.saved.items())) or "nothing"
        parts.append(Text(f"Closed by a payment: {cl.paid} paid in full, {cl.part_paid} part paid; {got} recovered; "
                          f"saved an estimated {saved}.", style="green"))
    return Group(*parts)


class ReportScreen(ModalScreen[None]):
    """The collector's figures as of the session's day. Read only: nothing here writes."""

    BINDINGS = [
        Binding("escape,q,R", "close", "Back", id="report.close", tooltip="Return to where you were; nothing is lost"),
        Binding("t", "trend", "Month/week", id="report.trend", tooltip="Promises kept chart: per month or per week"),
    ]

    def __init__(self, desk: Desk, trend_by: str = "month"):
        super().__init__()
        self.desk = desk
        self.trend_by = trend_by
        self.report = self.build()

    def build(self) -> Report:
        return self.desk.report(trend_by=self.trend_by)

    def compose(self) -> ComposeResult:
        r = self.report
        with Vertical(id="report"):
            yield Label(Text(f"Report as of {format_date(r.as_of, 'EEE d MMM yyyy', locale='en_US')}", style="bold"), id="report-title")
            with VerticalScroll(id="report-scroll"):
                yield Static(_heading("Open balances by age (days overdue)"))
                if not r.aging:
                    yield Static(Text("Nothing open.", style="dim"), classes="report-part")
                for row in r.aging:
                    yield Static(aging_head(r, row))
                    with Horizontal(classes="chart-row report-part"):
                        yield AgingChart(row, id=f"aging-chart-{row.currency}")
                        yield Static(aging_numbers(row), classes="chart-numbers")
                if r.unknown_balances:
                    yield Static(Text(f"{r.unknown_balances} open invoice(s) with an unknown balance are not counted.", style="yellow"),
                                 classes="report-part")
                yield Static(_heading(f"Promised and collected per week (last {len(r.weekly)} weeks)"))
                currencies = week_currencies(r.weekly)
                if not currencies:
                    yield Static(Text("Nothing promised or collected in these weeks.", style="dim"), classes="report-part")
                for cur in currencies:
                    with Horizontal(classes="chart-row report-part"):
                        yield WeekMoneyChart(r.weekly, cur, id=f"week-chart-{cur}")
                        yield Static(week_numbers(r.weekly, cur), classes="chart-numbers")
                yield Static(id="report-promises", classes="report-part")
                yield Static(id="report-sessions", classes="report-part")
                yield Static(id="report-followups", classes="report-part")
                yield Static(id="report-escalation", classes="report-part")
        yield Footer()

    def on_mount(self) -> None:
        self.fill()
        self.query_one("#report-scroll").focus()

    def fill(self) -> None:
        r = self.report
        self.query_one("#report-promises", Static).update(promises_view(r))
        self.query_one("#report-sessions", Static).update(sessions_view(r))
        self.query_one("#report-followups", Static).update(followups_view(r))
        self.query_one("#report-escalation", Static).update(escalation_view(r))

    def action_trend(self) -> None:
        self.trend_by = "week" if self.trend_by == "month" else "month"
        self.report = self.build()
        self.fill()

    def action_close(self) -> None:
        self.dismiss(None)
