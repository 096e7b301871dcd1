"""The session itself: `callroom` with no command (today's session on your ledger) and
`callroom demo` (a session on a built-in demo ledger)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from .base import Ctx, common, run_app, say_opening

MINUTES = click.option("--minutes", default=60, show_default=True, type=click.IntRange(5, 240), help="Length of the power hour.")


def open_session(c: Ctx, minutes: int, *, if_locked: str = "refuse") -> None:
    """Today's session on the owner's ledger. ``if_locked="read-only"`` (a browser tab of
    `callroom serve`, where a refusal would only reach the server's log): a ledger in use
    elsewhere opens read-only, and the session says so."""
    say_opening(c.path())
    run_app(c.open_session(if_locked=if_locked), minutes)  # the session shows what the open found, until dismissed


@click.command()
@common
@MINUTES
@click.option("--keep", type=click.Path(dir_okay=False), default=None, help="Write the demo ledger here instead of a temporary file.")
@click.pass_obj
def demo(c: Ctx, minutes: int, keep: str | None) -> None:
    """Open a call session on a built-in demo ledger (never touches your own)."""
    from ..services.files import open_demo

    if keep:
        path = Path(keep)
        if path.exists():
            raise click.ClickException(f"{path} already exists; choose a new file for the demo ledger.")
    else:
        path = Path(tempfile.mkdtemp(prefix="callroom-demo-")) / "demo.jsonl"
    run_app(open_demo(path, c.clock), minutes, demo=True)
