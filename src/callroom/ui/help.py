"""The ? screen: every key of the screen below it, grouped, from its own bindings."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from .keymap import display

GROUPS = (("result.", "Call result"), ("reason.", "Reason for not paying"), ("outcome.", "Outcome"), ("", "Session"))


def _key_name(app, b: Binding) -> str:
    """The binding's keys as the owner has them (their keymap applied)."""
    label = getattr(app, "key_label", None)
    return label(b.id, b.key).replace(", ", " / ") if label and b.id else display(b.key).replace(", ", " / ")


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
                table.add_row(_key_name(self.app, b), b.tooltip or b.description)
        table.add_row(Text("Anywhere", style="bold underline"), "")
        palette = self.app.key_label("app.palette", "ctrl+p") if hasattr(self.app, "key_label") else "ctrl+p"
        table.add_row(palette, "Command palette: jump to a client, end the session, …")
        table.add_row("Esc", "Leave a text field or close a window")
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", style="bold"))
            yield Static(table)

    def action_close(self) -> None:
        self.dismiss(None)
