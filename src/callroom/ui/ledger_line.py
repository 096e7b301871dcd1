"""The line at the top of the first screen while the ledger is checked, and the banner
that stays there when the check found damage.

The first screen is drawn from the queue summary while the whole ledger is read and
checked in the background (``callroom.services.opening``). Meanwhile this line says so,
and a key that would save or needs the whole ledger waits for the check (the app holds
it, see ``CallroomApp``); the line then says that key runs when the check is done. If
the check finds damage, the line becomes a banner naming it: the session is read-only,
and nothing is written.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

#: The keys of the call screen that work while the ledger is checked: they change only
#: the call being keyed in, or show what is on screen. Every other key waits for the check.
WORK_WHILE_CHECKING = frozenset({"result", "reason", "outcome", "note", "stage", "help", "next_action", "copy_phone"})


def checking_text(waiting: bool = False) -> Text:
    t = Text()
    t.append(" Checking the ledger ", style="bold reverse")
    if waiting:
        t.append(" that key runs as soon as every line is checked…")
    else:
        t.append(" every line and record, in the background; saving waits for it")
    return t


def damage_text(damage: str) -> Text:
    t = Text()
    t.append(" Ledger damaged ", style="bold reverse")
    t.append(f" {damage.rstrip('.')}. ", style="bold")
    t.append("Read-only: nothing is written in this session. `callroom check` lists the damage; "
             "`callroom repair` keeps what can be trusted.")
    return t


class LedgerLine(Static):
    """One line (the check under way) or a few (the damage found), above the first screen."""

    DEFAULT_CSS = """
    LedgerLine {
        height: auto;
        max-height: 4;
        padding: 0 1;
        background: $warning 20%;
    }
    LedgerLine.-damaged {
        background: $error 30%;
    }
    """

    def __init__(self, text: Text, *, damaged: bool = False) -> None:
        super().__init__(text, id="ledger-line", classes="-damaged" if damaged else "")
