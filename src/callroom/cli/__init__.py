"""The command line: `callroom` opens today's session on your ledger; subcommands for the rest.

The group lives here; each command family is a module of its own, registered below:

- :mod:`.session`: the session (no command) and `demo`;
- :mod:`.calls`: `log`, `history`, `queue`, `clients`;
- :mod:`.payments`: `pay`;
- :mod:`.imports`: `import`;
- :mod:`.settings`: `settings`;
- :mod:`.reports`: `report`, `export`;
- :mod:`.data`: `backups`, `restore`;
- :mod:`.keys`: `keys`;
- :mod:`.serve`: `serve`;
- :mod:`.writing`: `profile`, `client`, `write`, `templates`;
- :mod:`.integrity`: `check`, `repair`;
- :mod:`.escalation`: `escalation`, `casefile`.

The modules import :mod:`.base` (shared options, opening the ledger) and never this
package or each other; they reach the ledger only through :mod:`callroom.services`.
A family's module is imported when one of its commands runs (or ``--help`` lists them):
``callroom queue`` does not pay for the import window's parsers.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from .. import __version__
from . import session
from .base import Ctx, common

#: Each command: its family's module and the name of the command in it, in the order ``--help`` lists them.
COMMANDS = {
    "demo": ("session", "demo"),
    "log": ("calls", "log"), "history": ("calls", "history"), "queue": ("calls", "queue"), "clients": ("calls", "clients"),
    "pay": ("payments", "pay"),
    "import": ("imports", "import_"),
    "settings": ("settings", "settings"),
    "report": ("reports", "report"), "export": ("reports", "export"),
    "backups": ("data", "backups_cmd"), "restore": ("data", "restore_cmd"),
    "keys": ("keys", "keys"),
    "serve": ("serve", "serve"),
    "profile": ("writing", "profile"), "client": ("writing", "client"), "write": ("writing", "write"),
    "templates": ("writing", "templates"),
    "check": ("integrity", "check_cmd"), "repair": ("integrity", "repair_cmd"),
    "escalation": ("escalation", "escalation"), "casefile": ("escalation", "casefile"),
}


class _Group(click.Group):
    """Ledger errors (locked, damaged, read-only, disk full) become one clear line and exit 1.
    Commands are imported from their family's module when asked for (see :data:`COMMANDS`)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        return getattr(importlib.import_module(f"{__name__}.{where[0]}"), where[1])

    def main(self, args=None, *rest, **kwargs):
        from . import base

        base.quick_exit = False
        try:
            return super().main(args, *rest, **kwargs)
        except SystemExit as e:
            # The `callroom` command itself (not called with arguments, as tests do), after a
            # read-only command that asked for it: end without freeing its objects one by one.
            if args is None and base.quick_exit and (e.code is None or isinstance(e.code, int)):
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except (OSError, ValueError):
                        pass
                os._exit(e.code or 0)
            raise

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as e:
            from ..services.errors import ReadOnly, StoreError  # here: the store is not imported for nothing

            if isinstance(e, (StoreError, ReadOnly)):
                raise click.ClickException(str(e)) from None
            raise


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common
@session.MINUTES
@click.option("--if-locked", type=click.Choice(["refuse", "read-only"]), default="refuse", hidden=True,
              help="A ledger in use by another callroom: refuse (the default), or open it read-only (callroom serve's tabs).")
@click.version_option(__version__, prog_name="callroom")
@click.pass_context
def main(ctx: click.Context, minutes: int, if_locked: str) -> None:
    """callroom: an hour of collection calls, one client at a time.

    With no command, opens today's call queue on your ledger. Start with
    `callroom demo` to try it on a made-up ledger, or `callroom import FILE.csv`
    to bring in the open invoices exported from your accounting tool.
    """
    ctx.ensure_object(Ctx)
    if ctx.invoked_subcommand is None:
        session.open_session(ctx.obj, minutes, if_locked=if_locked)


def run() -> None:  # pragma: no cover
    main(prog_name="callroom")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
