"""A damaged ledger on the command line: say where it is damaged, and open its readable
part read-only only if the owner says so (--salvage, or yes at the prompt)."""

from __future__ import annotations

import sys

import click

from ..domain.clock import Clock


def _interactive() -> bool:
    """Whether a person can answer a question (a seam for tests)."""
    return sys.stdin.isatty()


def open_salvaged(clock: Clock, error, *, salvage: bool):
    """``error``: the ``DamagedFileError`` the open raised. Returns a read-only Desk on the
    readable part, or raises a ``ClickException`` naming the damage. Never writes the file."""
    from ..services.errors import StoreError
    from ..services.files import open_salvaged as open_readable

    try:
        desk, found = open_readable(error.path, clock)
    except (StoreError, OSError):
        raise click.ClickException(str(error)) from None
    counts = desk.counts()
    if not any(counts.values()):
        desk.close()
        raise click.ClickException(str(error)) from None
    if not (salvage or _interactive()):
        desk.close()
        more = f" ({len(found)} damaged places in all)" if len(found) > 1 else ""
        raise click.ClickException(f"{error}{more}")
    click.echo(f"{error.path} is damaged; it has not been changed and will not be written:", err=True)
    for p in found[:10]:
        click.echo(f"  line {p.line}: {p.what}", err=True)
    if len(found) > 10:
        click.echo(f"  … and {len(found) - 10} more", err=True)
    readable = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"The readable part holds {readable}.", err=True)
    if salvage or click.confirm("Open the readable part read-only?", default=False, err=True):
        click.echo("Opened read-only: nothing will be saved. `callroom repair` keeps the readable part for good; "
                   "`callroom backups` lists backups to restore.", err=True)
        return desk
    desk.close()
    raise click.ClickException("Nothing was opened. `callroom repair` keeps the readable part; `callroom backups` lists "
                               "backups; `callroom restore N` brings one back.")
