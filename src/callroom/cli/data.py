"""Data-safety commands: `callroom backups` and `callroom restore`."""

from __future__ import annotations

import json

import click

from .base import Ctx, common

#: Above this many bytes in all, `callroom backups` stops reading backups to count their records.
COUNT_BUDGET = 64 * 1024 * 1024


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError


def _summary(b, budget: list[int]) -> dict:
    row: dict = {"name": b.name, "path": str(b.path), "when": b.when.isoformat().replace("+00:00", "Z"),
                 "reason": b.reason, "why": b.why, "bytes": b.size, "calls": None, "invoices": None, "ok": None, "problem": None}
    if budget[0] < b.size:
        return row
    budget[0] -= b.size
    from ..services.errors import StoreError
    from ..services.files import backup_counts

    try:
        calls, invoices = backup_counts(b.path)
    except (StoreError, OSError) as e:
        row.update(ok=False, problem=str(e).split(". The file")[0])
        return row
    row.update(ok=True, calls=calls, invoices=invoices)
    return row


@click.command("backups")
@common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, newest first.")
@click.pass_obj
def backups_cmd(c: Ctx, as_json: bool) -> None:
    """List the backups of the ledger, newest first.

    callroom keeps the previous file before every import, compaction, schema
    migration and restore. `callroom restore N` brings backup N back.
    """
    from ..services.files import backups_dir, list_backups

    ledger = c.path()
    found = list_backups(ledger)
    budget = [COUNT_BUDGET]
    rows = [dict(_summary(b, budget), index=n) for n, b in enumerate(found, 1)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"No backups of {ledger} yet. callroom keeps one before every import, compaction, "
                   f"schema migration and restore, in {backups_dir(ledger)}.")
        return
    click.echo(f"Backups of {ledger} (in {backups_dir(ledger)}), newest first:")
    click.echo(f"{'#':>3}  {'when':<16}  {'why':<27} {'size':>9} {'calls':>7} {'invoices':>9}  name")
    for r, b in zip(rows, found):
        when = b.when.astimezone().strftime("%Y-%m-%d %H:%M")
        calls = "?" if r["calls"] is None else str(r["calls"])
        invoices = "?" if r["invoices"] is None else str(r["invoices"])
        flag = "  DAMAGED: " + r["problem"] if r["ok"] is False else ""
        click.echo(f"{r['index']:>3}  {when:<16}  {b.why:<27} {_size(r['bytes']):>9} {calls:>7} {invoices:>9}  {b.name}{flag}")
    click.echo("Bring one back with: callroom restore N (the ledger as it is now is kept first).")


@click.command("restore")
@common
@click.argument("backup")
@click.pass_obj
def restore_cmd(c: Ctx, backup: str) -> None:
    """Put a backup back in place of the ledger. BACKUP: its number in `callroom backups`
    (1 = newest), its name, or the path of a ledger file.

    The ledger as it is now is kept first as a backup, so a restore can itself be
    undone. A backup that does not open cleanly is refused, and nothing changes.
    """
    from ..services.errors import DamagedFileError, LockedError, NewerSchemaError
    from ..services.files import Backup, check_file, find_backup, restore_backup as restore_file

    if c.read_only:
        raise click.ClickException("restore replaces the ledger; it cannot run with --read-only.")
    ledger = c.path()
    found = find_backup(ledger, backup)
    if found is None:
        raise click.ClickException(f"No backup {backup!r} of {ledger}. `callroom backups` lists them.")
    src = found.path if isinstance(found, Backup) else found
    if src.resolve() == ledger.resolve():
        raise click.ClickException(f"{src} is the ledger itself; choose a backup.")
    try:
        check_file(src)
    except DamagedFileError as e:
        raise click.ClickException(f"Refused: {src} is damaged (line {e.line}: {e.problem}). Nothing was changed.") from None
    except NewerSchemaError as e:
        raise click.ClickException(f"Refused: {src} was written by a newer callroom (schema {e.file_schema}). "
                                   f"Nothing was changed.") from None
    except OSError as e:
        raise click.ClickException(f"Refused: cannot read {src}: {e.strerror or e}. Nothing was changed.") from None
    try:
        kept = restore_file(ledger, found)
    except LockedError as e:
        who = f" ({e.holder.describe()})" if e.holder else ""
        raise click.ClickException(f"{ledger} is open in another callroom{who}. Close it, then restore. Nothing was changed.") from None
    when = (found.when.astimezone().strftime("%Y-%m-%d %H:%M") + f", {found.why}") if isinstance(found, Backup) else "a file"
    click.echo(f"Restored {ledger} from {src.name} ({when}).")
    if kept is not None:
        click.echo(f"The ledger as it was is kept as {kept.name}: `callroom restore {kept.name}` undoes this restore.")


__all__ = ["backups_cmd", "restore_cmd"]
