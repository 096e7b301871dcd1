"""The ? screen: every key of the screen below it, grouped, from its own bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GROUPS = (("result.", "Call result"), ("reason.", "Reason for not paying"), ("outcome.", "Outcome"), ("", "Session"))


def _key_name(key: str) -> str:
    names = {"left_square_bracket": "[", "question_mark": "?", "enter": "Enter", "escape": "Esc", "slash": "/", "dollar_sign": "$"}
    return " / ".join(names.get(k, k) for k in key.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Back")]

    def __init__(self, screen):
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        bindings = [b for b in self.target.BINDINGS if isinstance(b, Binding)]
        used: set[int] = set()
        for prefix, title in GROUPS:
            rows = [b for b in bindings if id(b) not in used and (b.id or "").startswith(prefix)]
            if not rows:
                continue
            table.add_row(Text(title, style="bold underline"), "")
            for b in rows:
                used.add(id(b))
                table.add_row(_key_name(b.key), b.tooltip or b.description)
        table.add_row(Text("Anywhere", style="bold underline"), "")
        table.add_row("ctrl+p", "Command palette: jump to a client, end the session, …")
        table.add_row("Esc", "Leave a text field or close a window")
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", style="bold"))
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
