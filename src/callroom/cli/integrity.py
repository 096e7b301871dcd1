"""Checking and repairing the ledger: `callroom check` and `callroom repair`."""

from __future__ import annotations

import json
import sys

import click

from .base import Ctx, common

#: The tables a summary always names, then any other with records.
ALWAYS = ("clients", "invoices", "payments", "calls", "promises")
NAMES = {"clients": ("client", "clients"), "invoices": ("invoice", "invoices"), "payments": ("payment", "payments"),
         "calls": ("call", "calls"), "promises": ("promise", "promises"), "plans": ("plan", "plans"),
         "disputes": ("dispute", "disputes"), "sessions": ("session", "sessions"),
         "written": ("written message", "written messages")}


def _interactive() -> bool:
    """Whether a person can answer a question (a seam for tests)."""
    return sys.stdin.isatty()


def counted(counts: dict[str, int], also: dict[str, int] | None = None) -> str:
    """``3 clients, 12 invoices, 0 payments, …``: those in ALWAYS, the rest when not zero here or in ``also``."""
    parts = []
    for table, (one, many) in NAMES.items():
        n = counts.get(table, 0)
        if table in ALWAYS or n or (also or {}).get(table, 0):
            parts.append(f"{n:,} {one if n == 1 else many}")
    return ", ".join(parts)


def _ledger(c: Ctx):
    path = c.path()
    if not path.exists():
        raise click.ClickException(f"No ledger at {path}.")
    return path


def _problems(problems, limit: int | None = None) -> None:
    shown = problems if limit is None else problems[:limit]
    for p in shown:
        click.echo(f"  line {p.line}: {p.what}")
    if limit is not None and len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more (`callroom check` lists them all)")


@click.command("check")
@common
@click.option("--json", "as_json", is_flag=True, help="Print the findings as one JSON object.")
@click.pass_obj
def check_cmd(c: Ctx, as_json: bool) -> None:
    """Read the whole ledger and report all damage: every line's sequence number and
    checksum, the end of the file against the record of its last write, every record.

    Exit status 0 when the ledger is whole, 1 when anything is damaged. Never writes.
    """
    from ..services.files import check_ledger

    path = _ledger(c)
    try:
        report = check_ledger(path)
    except OSError as e:
        raise click.ClickException(f"Cannot read {path}: {e.strerror or e}.") from None
    if as_json:
        click.echo(json.dumps({
            "path": str(path), "whole": report.whole, "lines": report.lines,
            "problems": [{"line": p.line, "what": p.what} for p in report.problems],
            "notices": [n.text for n in report.notices], "counts": report.counts,
        }, indent=2))
        raise SystemExit(0 if report.whole else 1)
    for n in report.notices:
        click.echo(f"Note: {n.text}", err=True)
    if report.whole:
        click.echo(f"{path} is whole: {report.lines:,} lines, every sequence number and checksum right, "
                   f"the end where the last acknowledged write left it, every record readable.")
        click.echo(f"It holds {counted(report.counts)}.")
        return
    click.echo(f"{path} is damaged: {len(report.problems)} place{'s' if len(report.problems) != 1 else ''} "
               f"(it has not been changed):")
    _problems(report.problems)
    click.echo(f"What can be trusted: {counted(report.counts)}.")
    click.echo("`callroom repair` keeps that and drops the rest (the damaged file is kept as a backup); "
               "--salvage opens it read-only; `callroom backups` lists backups you can restore.")
    raise SystemExit(1)


@click.command("repair")
@common
@click.option("--yes", is_flag=True, help="Repair without asking (for scripts).")
@click.pass_obj
def repair_cmd(c: Ctx, yes: bool) -> None:
    """Repair a damaged ledger: keep what can be trusted, drop the rest.

    Shows what is kept and what is dropped (counts of records), asks, keeps the damaged
    file as a backup, then writes the repaired ledger in its place in one atomic step.
    """
    from ..services.errors import LockedError, StoreError
    from ..services.files import open_desk, plan_repair

    if c.read_only:
        raise click.ClickException("repair rewrites the ledger; it cannot run with --read-only.")
    path = _ledger(c)
    try:
        plan = plan_repair(path)
    except LockedError as e:
        who = f" ({e.holder.describe()})" if e.holder else ""
        raise click.ClickException(f"{path} is open in another callroom{who}. Close it, then repair. Nothing was changed.") from None
    except OSError as e:
        raise click.ClickException(f"Cannot read {path}: {e.strerror or e}. Nothing was changed.") from None
    if not plan.needed:
        plan.cancel()
        desk = open_desk(path, c.clock)  # an unfinished write or a missing seal: an ordinary open deals with them
        try:
            for text in desk.ledger_notices():
                click.echo(f"Note: {text}", err=True)
        finally:
            desk.close()
        click.echo(f"Nothing to repair: {path} is whole.")
        return
    try:
        report = plan.report
        click.echo(f"{path} is damaged: {len(report.problems)} place{'s' if len(report.problems) != 1 else ''}:")
        _problems(report.problems, limit=10)
        click.echo(f"The repair keeps:  {counted(plan.kept, plan.dropped)}")
        unreadable = (f", and {plan.unreadable} line{'s' if plan.unreadable != 1 else ''} that cannot be read at all"
                      if plan.unreadable else "")
        click.echo(f"and drops:         {counted(plan.dropped, plan.kept)}{unreadable}")
        click.echo("  (what the damaged lines and the journal after them held"
                   + (f", and {report.orphans} record{'s' if report.orphans != 1 else ''} of clients lost with them"
                      if report.orphans else "") + "; all of it stays in the backup of the damaged file)")
        if not yes:
            if not _interactive():
                raise click.ClickException("Nothing was changed. Run it at a terminal to be asked, or add --yes.")
            if not click.confirm("Repair the ledger now? The damaged file is kept as a backup first", default=False):
                raise click.ClickException("Nothing was changed.")
        try:
            kept = plan.apply()
        except StoreError as e:
            raise click.ClickException(str(e)) from None
    finally:
        plan.cancel()
    click.echo(f"Repaired {path}: it holds {counted(plan.kept)}.")
    if kept is not None:
        click.echo(f"The damaged file is kept as {kept} (`callroom restore {kept.name}` puts it back).")


__all__ = ["check_cmd", "repair_cmd"]
