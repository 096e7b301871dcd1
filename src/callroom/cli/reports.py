"""`callroom report` and `callroom export`: the collector's figures, and the ledger as files.

It never imports the UI, and opens the ledger read-only.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import click
from babel.dates import format_date

from ..domain import report as report_mod
from ..domain.aging import BUCKETS
from ..domain.money import format_money
from ..domain.report import Report, bar
from ..domain.words import count
from ..files import write_whole
from .base import Ctx, common

BAR = 24  # cells for the longest bar


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.0%}"


def render_text(r: Report) -> str:
    """The report as plain text: tables and block-character bars, in the order a collector reads them."""
    out: list[str] = []
    add = out.append
    fd = lambda d: format_date(d, "EEE d MMM", locale="en_US")  # noqa: E731
    add(f"callroom report as of {r.as_of.isoformat()}")
    add("")
    add("Open balances by age (days overdue)")
    if not r.aging:
        add("  nothing open")
    for row in r.aging:
        top = max(row.buckets.values())
        add(f"  {row.currency}  total {format_money(row.total, row.currency)} in {row.invoices} open invoice{'s' if row.invoices != 1 else ''}"
            + (f", DSO {count(r.dso[row.currency], 'day')}" if r.dso.get(row.currency) is not None else ""))
        for b in BUCKETS:
            v = row.buckets[b]
            add(f"    {b:<8} {format_money(v, row.currency):>16}  {bar(v, top, BAR)}")
    if r.unknown_balances:
        add(f"  {count(r.unknown_balances, 'open invoice')} with a balance the export did not give (not counted)")
    add("")
    p = r.promises
    add("Promises (judged once their date has passed)")
    add(f"  kept {p.kept} of {p.judged} ({_pct(p.kept_rate)} by count); partly kept {p.partly_kept}; broken {p.broken}")
    for cur in sorted(p.promised):
        add(f"  {cur}: {format_money(p.paid_by_due.get(cur, 0), cur)} arrived by the dates of {format_money(p.promised[cur], cur)} promised"
            f" ({_pct(p.amount_rate(cur))} by amount)")
    add(f"  still open (not yet due): {p.still_open}" + (f", {p.paid_early} already paid in full" if p.paid_early else ""))
    add("")
    add(f"Promises kept and broken per {r.trend_by} (by due date)")
    top = max([t.kept for t in r.trend] + [t.broken + t.partly_kept for t in r.trend] + [1])
    for t in r.trend:
        add(f"  {t.period:<9} kept   {t.kept:>3}  {bar(t.kept, top, BAR)}")
        add(f"  {'':<9} broken {t.broken + t.partly_kept:>3}  {bar(t.broken + t.partly_kept, top, BAR)}"
            + (f"  ({t.partly_kept} partly kept)" if t.partly_kept else ""))
    add("")
    add("Calls per session")
    head = f"  {'session':<18} {'calls':>5} {'reached':>7} {'reach':>6} {'promises':>8} {'promise':>8} {'calls/h':>7}  promised"
    add(head)
    for s in r.sessions + [r.overall]:
        name = f"#{s.session_id} {s.started:%Y-%m-%d %H:%M}" if s.session_id is not None and s.started else "all calls"
        promised = ", ".join(format_money(a, c) for c, a in sorted(s.promised.items())) or "—"
        cph = f"{s.calls_per_hour}" if s.calls_per_hour is not None else "—"
        add(f"  {name:<18} {s.calls:>5} {s.reached:>7} {_pct(s.reach_rate):>6} {s.promises:>8} {_pct(s.promise_rate):>8} {cph:>7}  {promised}")
    if r.empty_sessions:
        add(f"  ({r.empty_sessions} session{'s' if r.empty_sessions != 1 else ''} without calls left out)")
    add("")
    c = r.collected
    add(f"Collected within {count(c.window_days, 'day')} after reaching the client")
    if c.amounts:
        add("  " + ", ".join(format_money(a, cur) for cur, a in sorted(c.amounts.items()))
            + f" from {c.payments} payment{'s' if c.payments != 1 else ''}, after {c.calls} of {c.reached_calls} reached calls")
    else:
        add(f"  nothing yet ({c.reached_calls} reached calls)")
    add("")
    add(f"Promised and collected per week (last {len(r.weekly)} weeks)")
    currencies = sorted({cur for w in r.weekly for cur in (*w.promised, *w.collected)})
    if not currencies:
        add("  nothing promised or collected")
    for cur in currencies:
        add(f"  {cur}  {'week of':<9} {'promised':>14} {'collected':>14}")
        for w in r.weekly:
            add(f"       {w.start:%d %b}    {format_money(w.promised.get(cur, 0), cur):>14} {format_money(w.collected.get(cur, 0), cur):>14}")
    add("")
    end = r.as_of + timedelta(days=report_mod.WEEK_DAYS - 1)
    add(f"Follow-ups due {fd(r.as_of)} to {fd(end)}")
    if not r.followups:
        add("  none")
    for f in r.followups:
        add(f"  {fd(f.day):<11} {f.kind:<13} {f.title}")
    add("")
    add("Escalation: clients and money at each stage")
    for st in r.escalation:
        money = ", ".join(format_money(a, cur) for cur, a in sorted(st.money.items())) or "—"
        due = f" ({st.due} due back today)" if st.due else ""
        add(f"  {st.label:<33} {st.clients:>3} client{'s' if st.clients != 1 else ' '}  {money}{due}")
    cl = r.escalation_closed
    if cl.paid or cl.part_paid:
        got = ", ".join(format_money(a, cur) for cur, a in sorted(cl.recovered.items()))
        saved = ", ".join(format_money(a, cur) for cur, a in sorted(cl.saved.items())) or "nothing"
        add(f"  Closed by a payment: {cl.paid} paid in full, {cl.part_paid} part paid; {got} recovered; "
            f"saved an estimated {saved}")
    return "\n".join(out) + "\n"


@click.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (amounts as decimal strings with their currency).")
@click.option("--by", "trend_by", type=click.Choice(["month", "week"]), default="month", show_default=True,
              help="Group the promises-kept chart by month or by week.")
@click.pass_obj
def report(c: Ctx, as_json: bool, trend_by: str) -> None:
    """The figures a collector watches: aging, promises kept, reach and promise rates per
    session, money collected after calls, and this week's follow-ups."""
    with c.open_existing() as desk:
        r = desk.report(trend_by=trend_by)
    if as_json:
        click.echo(json.dumps(r.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(r), nl=False)


def _write(out: str | None, data: bytes) -> None:
    """Write to stdout, or to ``out`` through a temporary file in the same folder, so a
    failed export never leaves a half-written file (nor replaces a good one)."""
    if out is None or out == "-":
        click.echo(data, nl=False)  # bytes go to the binary stream as they are (CRLF kept)
        return
    path = Path(out).expanduser()
    folder = path.parent
    if not folder.is_dir():
        raise click.ClickException(f"cannot write {out}: the folder {folder} does not exist. Create it first, or choose another --out.")
    if path.is_dir():
        raise click.ClickException(f"cannot write {out}: it is a folder. Give a file name, e.g. {path / 'export.csv'}.")
    try:
        write_whole(path, data)
    except OSError as e:
        raise click.ClickException(f"cannot write {out}: {e.strerror or e}") from None


@click.command()
@common
@click.argument("kind", type=click.Choice(["calls", "promises", "invoices", "followups"]), metavar="KIND")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "ics"]), default=None,
              help="csv or json; ics for followups only. [default: csv, or ics for followups]")
@click.option("--out", type=click.Path(dir_okay=True), default=None, metavar="FILE", help="Write here instead of to standard output.")
@click.option("--days", type=click.IntRange(1, 3660), default=None,
              help="followups: only the next N days (default: every follow-up and promise check from today on).")
@click.pass_obj
def export(c: Ctx, kind: str, fmt: str | None, out: str | None, days: int | None) -> None:
    """Export calls, promises or invoices as CSV or JSON, or the follow-ups to come as an
    iCalendar file (.ics) for your calendar app.

    The calendar holds every follow-up and promise check from today on (--days N: the
    next N days only); each event names the client's phone and the amount.
    Calls include the messages sent (contact 'written'), which are not calls.
    Columns are stable; dates are ISO (YYYY-MM-DD); amounts are plain decimals with a
    currency column. Re-importing a newer .ics updates its events instead of adding copies.
    """
    from .. import exports

    fmt = fmt or ("ics" if kind == "followups" else "csv")
    if fmt == "ics" and kind != "followups":
        raise click.BadParameter(f"ics is for followups only; export {kind} as csv or json.", param_hint="--format")
    today = c.clock.today()
    with c.open_existing() as desk:
        items, rows = desk.export_rows(kind, days=days)
    if kind == "followups" and fmt == "ics":
        if not items:  # RFC 5545 wants at least one component: say so rather than write an empty calendar
            span = (f"from {today.isoformat()} to {(today + timedelta(days=days - 1)).isoformat()}" if days
                    else f"from {today.isoformat()} on")
            click.echo(f"No follow-ups due {span}: no calendar written.", err=True)
            return
        _write(out, exports.to_ics(items, c.clock.now()))
        return
    cols = exports.COLUMNS[kind]
    text = exports.to_csv(cols, rows) if fmt == "csv" else exports.to_json(cols, rows)
    # A CSV file gets a byte-order mark so spreadsheet apps (Excel) read accented names right;
    # on standard output it stays plain UTF-8 for pipes.
    _write(out, text.encode("utf-8-sig" if fmt == "csv" and out else "utf-8"))


__all__ = ["report", "export", "render_text"]
