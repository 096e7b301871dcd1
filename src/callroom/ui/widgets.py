"""The panels of the call screen. Each renders from plain values handed down to it."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from rich.console import Group
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widgets import DataTable, Static

from ..domain import books, phones
from ..domain.aging import bucket, days_overdue, due_info
from ..domain.codes import PromiseStatus
from ..domain.drafts import Draft
from ..domain.money import format_money
from ..domain.policy import Policy
from ..domain.queue import ClientStanding, Entry
from ..domain.script import Script
from .keys import OUTCOME_KEYS, REASON_KEYS, RESULT_KEYS, binding_id, key_for


def key_label(widget, binding_id: str, default: str) -> str:
    """The key the owner has for an action (their keymap), as text for a hint."""
    label = getattr(widget.app, "key_label", None)
    return label(binding_id, default) if label else default


def mailto_uri(address: str) -> str:
    """A plain ``mailto:`` link to one address (its characters percent-encoded, ``@`` kept)."""
    from urllib.parse import quote

    return "mailto:" + quote(address.strip(), safe="@")


def fdate(d: date | None) -> str:
    return format_date(d, "d MMM yy", locale="en_US") if d else "—"


class StatusBar(Static):
    """Power-hour timer, progress and tallies."""

    def show(self, *, position: int, total: int, remaining_s: int, reached: int, calls: int, promised: str, demo: bool,
             filtered: str = "", read_only: bool = False) -> None:
        mins, secs = divmod(max(remaining_s, 0), 60)
        t = Text()
        if demo:
            t.append(" DEMO ", style="bold reverse")
            t.append(" ")
        if read_only:  # said before anything is typed: nothing of this session will be saved
            t.append(" READ-ONLY: nothing is saved ", style="bold black on yellow")
            t.append(" ")
        t.append(f"Call {position} of {total}", style="bold")
        if filtered:  # the queue filter narrows the count just shown
            t.append(f" (filter: {filtered})", style="bold magenta")
        t.append("  ·  ")
        t.append(f"{mins:02d}:{secs:02d} left", style="bold red" if remaining_s <= 0 else ("yellow" if remaining_s < 300 else ""))
        t.append("  ·  ")
        t.append(f"reached {reached}/{calls}")
        t.append("  ·  ")
        t.append(f"promised {promised}")
        self.update(t)


class ClientCard(Static):
    def show(self, st: ClientStanding, entry: Entry | None, now: datetime, pay_to: str | None = None) -> None:
        c = st.client
        t = Text()
        t.append(c.name, style="bold")
        t.append(f"  #{c.id}", style="dim")
        if entry is not None:
            t.append("\n")
            t.append(f"{entry.tier_name}: ", style="bold " + ("red" if entry.tier <= 2 else "cyan"))
            t.append(entry.why)
            if entry.out_of_hours:
                t.append("\n")
                t.append(" OUTSIDE CALLING HOURS ", style="bold black on yellow")
                t.append(" at their end now; you can still call", style="yellow")
        t.append("\n")
        if c.contact:
            t.append(c.contact, style="bold")
            t.append("  ")
        for raw in c.phones[:2]:
            dial = phones.parse(raw, c.region)
            t.append(dial.display or raw, style=Style(bold=True, color="green", link=phones.tel_uri(dial)))
            local = phones.local_time(dial, now)
            if local is not None:
                t.append(f" ({local:%a %H:%M} local)", style="bold yellow" if entry is not None and entry.out_of_hours else "dim")
            t.append("  ")
        if c.email:
            t.append("\n")
            t.append(c.email, style=Style(link=mailto_uri(c.email)))
        t.append("\n")
        if not c.phones:
            t.append("No phone number on file", style="yellow")
            t.append("\n")
        inv_terms = sorted({i.terms for i in st.file.open_invoices if i.terms})
        t.append("Terms: ", style="dim")
        t.append(c.terms or ", ".join(inv_terms) or "not recorded")
        if c.tags:
            t.append("  Tags: ", style="dim")
            t.append(", ".join(c.tags))
        pay = pay_to if pay_to is not None else c.instructions
        if pay:
            t.append("\nPay to: ", style="dim")
            t.append(" / ".join(pay.splitlines()))
        last = st.last_call
        t.append("\nLast contact: ", style="dim")
        if last is None:
            t.append("never called")
        else:
            bits = [last.result.label] + ([last.outcome.label] if last.outcome else [])
            t.append(f"{last.at:%d %b %Y} · {' · '.join(bits)}")
            if last.note:
                t.append(f" — {last.note[:80]}")
        opened = [j for j in st.judged if j.status is PromiseStatus.OPEN]
        for j in opened[:2]:
            p = j.promise
            t.append("\nOpen: ", style="dim")
            label = f"instalment {p.instalment}" if p.plan_id else "promise"
            t.append(f"{label} {format_money(p.amount, p.currency)} by {fdate(p.due)}")
        for j in st.unhandled_broken[:1]:
            t.append("\nBroken: ", style="bold red")
            t.append(f"promise {j.promise.money.format()} due {fdate(j.promise.due)}")
        for d in st.file.disputes:
            if d.is_open:
                t.append("\nDispute: ", style="bold yellow")
                t.append(f"{d.what} (get back by {fdate(d.get_back)})")
        credit = c.unapplied
        if credit:
            t.append("\nUnapplied credit in your books: ", style="bold yellow")
            t.append(credit.format(sep=" + "))
        self.update(t)


class InvoiceTable(DataTable):
    HEADINGS = ("Invoice", "Issued", "Due", "Days", "Amount", "Balance", "Age")

    def show(self, st: ClientStanding, today: date, policy: Policy) -> None:
        chased = {i.number for i in st.chase}
        rows = []
        for inv in sorted(st.file.open_invoices, key=lambda i: (i.due or date.min, i.number)):
            due = due_info(inv, policy)
            # '*': counted from a due date the export did not give (the totals line below says from what)
            mark = "*" if due.worked_out else ""
            days = days_overdue(inv, today, policy)
            bal = format_money(inv.balance, inv.currency) if inv.balance is not None else "unknown"
            amt = format_money(inv.amount, inv.currency) if inv.amount is not None else "—"
            num = (inv.number if inv.number in chased else
                   f"{inv.number} ({books.LABEL.get(inv.book_status, 'disputed')})")
            if due.day is None:  # neither a due date nor an issue date: no age to tell
                age_cells = (Text("—", style="dim"), Text("no dates", style="dim"))
            elif days > 0:
                age_cells = (Text(f"{days}{mark}", style="bold red" if days >= 90 else ("yellow" if days >= 30 else "")),
                             Text(bucket(days) + mark))
            else:
                age_cells = (Text(f"in {-days}{mark}" if days < 0 else f"today{mark}", style="dim"),
                             Text("not yet due" + mark, style="dim"))
            # Text cells: an invoice number with "[" in it is shown as it is, never read as
            # markup, and no cell is parsed on every redraw.
            rows.append((str(inv.id), (
                Text(num), Text(fdate(inv.issued)), Text(fdate(due.day) + mark if due.worked_out else fdate(inv.due)),
                age_cells[0], Text(amt), Text(bal), age_cells[1])))
        self.clear(columns=True)
        # Each column is as wide as its widest cell, set here. Left to measure itself, the
        # table sizes its columns on its next idle pass, and rows it drew before that pass
        # stay cached at the headings' widths ('$249.0', '1-3') until the window is resized.
        for n, heading in enumerate(self.HEADINGS):
            self.add_column(heading, width=max([len(heading)] + [cells[n].cell_len for _, cells in rows]), key=heading)
        for key, cells in rows:
            self.add_row(*cells, key=key)


def routes_table(view, width: int | None = None) -> Table:
    """The routes weighed for a client, one row each (best first; those that cost more than
    they recover last, struck through). ``view``: ``services.escalation.Routes``."""
    t = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, header_style="bold", pad_edge=False, expand=False)
    several = len(view.weighed) > 1
    t.add_column("Route", no_wrap=True)
    t.add_column("Cost", justify="right", no_wrap=True)
    t.add_column("Keeps", justify="right", no_wrap=True)
    t.add_column("Days", justify="right", no_wrap=True)
    for cur, ests in view.weighed.items():
        for e in ests:
            style = "red" if e.uneconomic else ("dim" if not e.available else "")
            name = e.route.short + (f" {cur}" if several else "") + ("*" if e.example else "")
            keeps = Text("n/a", style=style) if not e.available else Text(format_money(e.keeps, cur), style=style or "green")
            t.add_row(Text(name, style=style), format_money(e.cost, cur), keeps,
                      "now" if e.days == 0 else str(e.days), style="strike" if e.uneconomic else "")
    return t


class ScriptPanel(Static):
    STAGES = ("listen", "flex", "escalate")

    def show(self, script: Script, stage: str, routes=None) -> None:
        """``routes``: the routes weighed for this client (``services.escalation.Routes``),
        shown with their figures on the Escalate stage."""
        if stage == "escalate" and routes is not None:
            top, rest = self._text(script, stage, upto=2), self._text(script, stage, start=2)
            top.rstrip()
            self.update(Group(top, *self._routes(routes), rest))
            return
        self.update(self._text(script, stage))

    def _routes(self, view) -> list:
        parts: list = []
        head = Text()
        if view.nothing_overdue:
            head.append("Nothing overdue to escalate.", style="bold")
            for note in view.notes():
                head.append("\n" + note, style="dim")
            return [head]
        for cur, ests in view.weighed.items():
            claim = view.claims.for_currency(cur)
            head.append(("\n" if head else "") + f"Routes for {format_money(claim.amount, cur)} overdue:", style="bold")
        parts += [head, routes_table(view)]
        foot = Text()
        if any(e.uneconomic for ests in view.weighed.values() for e in ests):
            foot.append("struck: costs more than it recovers\n", style="red")
        if any(not e.available for ests in view.weighed.values() for e in ests):
            foot.append("n/a: not available here (X says why)\n", style="dim")
        if view.examples_used():
            foot.append("* example costs: set yours with P\n", style="dim")
        for note in view.notes():
            foot.append(note + "\n", style="dim")
        for st in view.standing:
            foot.append(f"Standing: {st.route.label}, chosen {st.step.at:%d %b}\n", style="bold yellow")
        foot.append(f"{key_label(self, 'session.escalation', 'X')}: choose a route  ", style="bold cyan")
        foot.append(f"{key_label(self, 'session.casefile', 'F')}: case file", style="bold cyan")
        parts.append(foot)
        return parts

    def _text(self, script: Script, stage: str, *, upto: int | None = None, start: int = 0) -> Text:
        t = Text()
        if start:
            lines = list(script.stage(stage))[start:]
            for line in lines:
                t.append("› ", style="cyan")
                t.append(line + "\n")
            return t
        if stage == "voicemail":
            t.append(" Voicemail ", style="bold reverse")
            t.append("  read this out (no amounts)\n", style="dim")
            for line in script.voicemail:
                if line.startswith("("):
                    t.append(line + "\n", style="yellow")
                    continue
                t.append("› ", style="cyan")
                t.append(line + "\n")
            return t
        for name in self.STAGES:
            style = "bold reverse" if name == stage else "dim"
            t.append(f" {name.title()} ", style=style)
            t.append(" ")
        t.append(f"  ({key_label(self, 'session.stage', 's')}: next stage)\n", style="dim")
        lines = list(script.stage(stage))[:upto]
        if stage == "flex":
            lines += [""] + list(script.close)
        for line in lines:
            if not line:
                t.append("\n")
                continue
            t.append("› ", style="cyan")
            t.append(line + "\n")
        return t


class LogPanel(Static):
    def _hint(self, keys: dict) -> str:
        """The keys of one group as the owner has them ("1-7" for the reasons' own keys)."""
        shown = [key_label(self, binding_id(v), k) for k, v in keys.items()]
        return "1-7" if shown == [str(n) for n in range(1, 8)] else " ".join(shown)

    def show(self, d: Draft, stored: str, next_action: str | None, error: str = "", warning: str = "") -> None:
        """``stored``: the call's details as they will be stored ('$1,200.00 by Mon 14 Dec');
        ``next_action``: its next action date, resolved ('Tue 15 Dec (suggested)')."""
        t = Text()

        def part(label: str, value, key_hint: str) -> None:
            t.append(f"{label}: ", style="dim")
            if value is None:
                t.append(key_hint, style="italic dim")
            else:
                t.append(f"{value.label}", style="bold")
                k = key_for(value)
                if k:
                    t.append(f" [{key_label(self, binding_id(value), k)}]", style="dim")
            t.append("   ")

        part("Result", d.result, self._hint(RESULT_KEYS))
        part("Reason", d.reason, self._hint(REASON_KEYS))
        part("Outcome", d.outcome, self._hint(OUTCOME_KEYS))
        t.append("\n")
        if stored and d.outcome is not None:
            t.append("  " + stored + "\n", style="green")
        t.append("Next action: ", style="dim")
        if next_action:
            t.append(next_action, style="bold")
        else:
            t.append("set by the result", style="italic dim")
        t.append(f"  [{key_label(self, 'session.next_action', 'a')}]", style="dim")
        if error:
            t.append("\n" + error, style="bold red")
        elif warning:
            t.append("\n" + warning, style="bold yellow")
        self.update(t)
