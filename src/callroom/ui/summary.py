"""The end of a session: what it achieved."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..domain.words import count
from ..services import Desk, tally


class SummaryScreen(Screen):
    """What the session achieved. q leaves callroom; Esc goes back to the calls (the queue as
    it was: the session goes on, and its end is recorded again when it ends)."""

    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="summary.quit", tooltip="Leave callroom; everything is already saved"),
        Binding("escape", "back", "Back to the calls", id="summary.back", tooltip="Return to the queue and keep calling"),
    ]

    def __init__(self, desk: Desk, session, calls, planned: int, payments=(), elapsed_s: float = 0.0):
        super().__init__()
        self.desk = desk
        self.session = session
        self.calls = calls
        self.planned = planned
        self.payments = tuple(payments)  # entered with `$` during the session
        self.elapsed_s = elapsed_s  # how long the session has run

    def compose(self) -> ComposeResult:
        t = tally(self.calls, self.payments)
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="dim")
        table.add_column(style="bold")
        table.add_row("Calls made", f"{t.calls} of {self.planned} queued" + (f" ({t.skipped} skipped)" if t.skipped else ""))
        table.add_row("Reached", f"{t.reached}  (reach rate {t.reach_rate:.0%})")
        table.add_row("Promises and plans", f"{count(t.promises, 'promise')} · {count(t.plans, 'plan')}"
                      + (f"  ({t.promised.format(sep=', ')} in all)" if t.promised else ""))
        table.add_row("Payments received", f"{t.payments}" + (f"  ({t.received.format(sep=', ')})" if t.received else ""))
        table.add_row("Disputes opened", str(t.disputes))
        table.add_row("Escalations", str(t.escalations))
        mins, secs = divmod(int(t.avg_seconds), 60)
        table.add_row("Average per call", f"{mins}:{secs:02d}")
        rate = t.per_hour(self.elapsed_s)
        ran = int(self.elapsed_s // 60)
        table.add_row("Calls per hour", "— (no calls)" if not t.calls else
                      f"— ({count(t.calls, 'call')} in under a minute)" if rate is None else
                      f"{rate:g}  ({count(t.calls, 'call')} in {ran} min)")
        table.add_row("Follow-ups created", str(t.followups))
        with Vertical(id="summary"):
            yield Static(Text("Session summary", style="bold"), id="summary-title")
            yield Static(table)
            yield Static(Text("Everything above is already saved in your ledger. q: quit · Esc: back to the calls", style="dim"))
        yield Footer()

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:  # the session is below: back to it
            self.app.pop_screen()
