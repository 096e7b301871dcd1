"""What every command shares: the options each takes (--db, --as-of, --read-only,
--salvage), opening the ledger, and turning a client's name into the client.

Commands reach the ledger only through :mod:`callroom.services` (a :class:`Desk`)."""

from __future__ import annotations

import sys
from datetime import date
from functools import wraps
from pathlib import Path

import click

from ..domain.clock import Clock

DATE = click.DateTime(formats=["%Y-%m-%d"])

#: A ledger at least this big takes long enough to read that a terminal should say so.
SAY_OPENING_BYTES = 8 * 1024 * 1024


class Ctx:
    def __init__(self):
        self.db: Path | None = None
        self.db_typed = False  # --db given on the command line (it wins over $CALLROOM_DB)
        self.as_of: date | None = None
        self.read_only = False
        self.salvage = False  # --salvage: a damaged ledger opens its readable part, read-only

    @property
    def clock(self) -> Clock:
        return Clock(as_of=self.as_of)

    def path(self) -> Path:
        if self.db is not None:
            return self.db
        from ..services.files import default_path

        return default_path()

    def open(self, read_only: bool | None = None, *, say: bool = True, if_locked: str = "refuse"):
        """The ledger as a :class:`callroom.services.Desk` (close it when done).

        What the open found and the owner should know (an unfinished last write set aside,
        and where; no seal beside the ledger) goes to stderr, unless ``say`` is False (the
        session shows it on screen instead). ``if_locked="read-only"``: a ledger another
        callroom has open is opened read-only, with a notice saying so, instead of refused."""
        from ..services.errors import DamagedFileError, LockedError, StoreError
        from ..services.files import open_desk

        ro = self.read_only if read_only is None else read_only
        if ro and not self.path().exists():
            raise click.ClickException(
                f"No ledger at {self.path()} yet. Import your open invoices first (callroom import FILE.csv), or try callroom demo."
            )
        try:
            desk = open_desk(self.path(), self.clock, read_only=ro)
        except DamagedFileError as e:
            from .salvage import open_salvaged

            return open_salvaged(self.clock, e, salvage=self.salvage)  # names the damage; the readable part only if asked
        except LockedError as e:
            if if_locked != "read-only" or ro:
                raise click.ClickException(str(e)) from None
            return _read_only_beside(self.open(read_only=True, say=say), e)
        except StoreError as e:
            raise click.ClickException(str(e)) from None
        if say:
            for text in desk.ledger_notices():
                click.echo(f"callroom: {text}", err=True)
            desk.dismiss_ledger_notices()
        return desk

    def open_session(self, *, if_locked: str = "refuse"):
        """The ledger for a calling session (close it when done): its first screen from the
        queue summary while the whole ledger is checked in the background, when the summary
        describes it (``callroom.services.opening``); else read whole, as :meth:`open` does
        (``if_locked`` as there). What the open found is shown by the session, not printed."""
        if self.salvage:
            return self.open(say=False)
        from ..services.errors import DamagedFileError, LockedError, StoreError
        from ..services.opening import open_session

        if self.read_only and not self.path().exists():
            return self.open(say=False)  # says there is no ledger yet
        try:
            return open_session(self.path(), self.clock, read_only=self.read_only)
        except DamagedFileError as e:
            from .salvage import open_salvaged

            return open_salvaged(self.clock, e, salvage=self.salvage)
        except LockedError as e:
            if if_locked != "read-only" or self.read_only:
                raise click.ClickException(str(e)) from None
            return _read_only_beside(open_session(self.path(), self.clock, read_only=True), e)
        except StoreError as e:
            raise click.ClickException(str(e)) from None

    def open_existing(self):
        """The ledger, read-only; a clear line (not a traceback) when there is none yet."""
        path = self.path()
        if not path.exists():
            raise click.ClickException(f"No ledger at {path} yet. Import your open invoices first: callroom import FILE.csv")
        return self.open(read_only=True)


def _read_only_beside(desk, e):
    """``desk``, opened read-only because another callroom holds the ledger (``e``, the
    LockedError), with a notice saying so."""
    who = f" ({e.holder.describe()})" if e.holder else ""
    desk.add_ledger_notice(f"{e.path} is open in another callroom{who}, so it is open here read-only: you can "
                           f"look, but nothing you type is saved. Close the other session to make calls here.")
    return desk


def common(f):
    """--db, --as-of, --read-only and --salvage on the group and on every subcommand."""

    def set_db(ctx, param, v):
        if v is None:
            return
        c = ctx.ensure_object(Ctx)
        typed = ctx.get_parameter_source(param.name) is not click.core.ParameterSource.ENVIRONMENT
        # A --db typed before the command wins over $CALLROOM_DB, which every command also reads.
        if typed or not c.db_typed:
            c.db = Path(v).expanduser()
            c.db_typed = c.db_typed or typed

    def set_as_of(ctx, _p, v):
        if v is not None:
            ctx.ensure_object(Ctx).as_of = v.date()

    def set_ro(ctx, _p, v):
        if v:
            ctx.ensure_object(Ctx).read_only = True

    def set_salvage(ctx, _p, v):
        if v:
            c = ctx.ensure_object(Ctx)
            c.salvage = c.read_only = True

    f = click.option("--salvage", is_flag=True, expose_value=False, callback=set_salvage, help="If the ledger is damaged, open its readable part (implies --read-only).")(f)
    f = click.option("--read-only", is_flag=True, expose_value=False, callback=set_ro, help="Open the ledger for looking only; nothing is written.")(f)
    f = click.option("--as-of", type=DATE, expose_value=False, callback=set_as_of, metavar="YYYY-MM-DD", help="Treat this date as today (prepare tomorrow's session, reproducible runs).")(f)
    f = click.option("--db", type=click.Path(dir_okay=False), expose_value=False, callback=set_db, envvar="CALLROOM_DB", metavar="PATH", help="The ledger file (default: in your user data folder; or $CALLROOM_DB).")(f)
    return f


def find_client(desk, text: str):
    """The client ``text`` names, or a clear error (an ambiguous name lists the candidates)."""
    from ..services.errors import Ambiguous, NotFound

    try:
        return desk.find_client(text)
    except (NotFound, Ambiguous) as e:
        raise click.ClickException(str(e)) from None


def choice(enum):
    return click.Choice(enum.codes(), case_sensitive=False)


#: Set by a read-only command once it has printed all it has: the process then ends
#: without freeing what it read object by object (see ``callroom.cli._Group.main``).
quick_exit = False


def end_quickly() -> None:
    """Let this process end at once after the command (nothing left to write or close)."""
    global quick_exit
    quick_exit = True


def gc_paused(command):
    """Run ``command`` with the garbage collector paused: an import builds hundreds of thousands of
    objects and no cycles, and each collection would walk the whole loaded ledger for nothing."""

    @wraps(command)
    def run(*args, **kwargs):
        from ..services.imports import gc_paused as paused

        with paused():
            return command(*args, **kwargs)

    return run


def run_app(desk, minutes: int, demo: bool = False) -> None:
    from ..ui.app import CallroomApp

    try:
        CallroomApp(desk, minutes=minutes, demo=demo).run()
    finally:
        desk.close()


def say_opening(path: Path, stream=None) -> None:
    """On a terminal, say that a big ledger is being read (a second or more before the
    session appears; the session screen then replaces the line)."""
    stream = stream if stream is not None else sys.stderr
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size >= SAY_OPENING_BYTES and stream.isatty():
        click.echo(f"Opening {path} ({size / 1e6:.0f} MB)…", file=stream)
