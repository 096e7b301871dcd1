"""What opening the ledger found, shown until the owner dismisses it: an unfinished last
write set aside (how many bytes, which transaction, where the copy is), no record of the
ledger's last write beside it, a file converted from an earlier format."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static


class LedgerNoticeScreen(ModalScreen[None]):
    """Stays over the session until Enter or Esc; the texts come from the services."""

    BINDINGS = [
        Binding("enter,escape", "close", "OK", id="notice.ok", tooltip="Close this notice (it is not shown again)"),
    ]

    def __init__(self, texts: list[str]):
        super().__init__()
        self.texts = texts

    def compose(self) -> ComposeResult:
        with Vertical(id="notice"):
            yield Static(Text("About your ledger", style="bold"), id="notice-title")
            with VerticalScroll(id="notice-scroll"):
                for text in self.texts:
                    yield Static(Text(text), classes="notice-text")  # plain text: paths may hold "["
            yield Static(Text.assemble(("Enter", "bold"), " or ", ("Esc", "bold"), ": OK"), id="notice-ok")
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)
