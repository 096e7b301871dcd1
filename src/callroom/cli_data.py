"""Data-safety commands: `callroom backups`, `callroom restore`, and the offer to open
the readable part of a damaged ledger (used by ``Ctx.open`` in cli.py)."""

from __future__ import annotations

import json
import sys

import click

from .cli import Ctx, _common, main
from .store import DamagedFileError, LockedError, NewerSchemaError, StoreError, check_file, open_store, problems
from .store.backups import Backup, backups_dir, find_backup, list_backups, restore as restore_file
from .store.journal import read_file
from .store.repo import Store

#: Above this many bytes in all, `callroom backups` stops reading backups to count their records.
COUNT_BUDGET = 64 * 1024 * 1024


def _interactive() -> bool:
    """Whether a person can answer a question (a seam for tests)."""
    return sys.stdin.isatty()


def open_salvaged(c: Ctx, error: DamagedFileError) -> Store:
    """The ledger is damaged: say where, and open its readable part read-only if the
    owner says so (--salvage, or yes at the prompt). The damaged file is never written."""
    try:
        store = open_store(error.path, salvage=True)
    except (StoreError, OSError):
        raise click.ClickException(str(error)) from None
    found = problems(store)
    counts = {"clients": store.clients.count(), "invoices": store.ledger.invoices.count(), "calls": store.calls.count()}
    if not any(counts.values()):
        store.close()
        raise click.ClickException(str(error)) from None
    if not (c.salvage or _interactive()):
        store.close()
        more = f" ({len(found)} damaged places in all)" if len(found) > 1 else ""
        raise click.ClickException(f"{error}{more}")
    click.echo(f"{error.path} is damaged; it has not been changed and will not be written:", err=True)
    for p in found[:10]:
        click.echo(f"  line {p.line}: {p.what}", err=True)
    if len(found) > 10:
        click.echo(f"  … and {len(found) - 10} more", err=True)
    readable = ", ".join(f"{n} {name}" for name, n in counts.items())
    click.echo(f"The readable part holds {readable}.", err=True)
    if c.salvage or click.confirm("Open the readable part read-only?", default=False, err=True):
        click.echo("Opened read-only: nothing will be saved. `callroom backups` lists backups to restore.", err=True)
        return store
    store.close()
    raise click.ClickException("Nothing was opened. `callroom backups` lists backups; `callroom restore N` brings one back.")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    raise AssertionError


def _summary(b: Backup, budget: list[int]) -> dict:
    row: dict = {"name": b.name, "path": str(b.path), "when": b.when.isoformat().replace("+00:00", "Z"),
                 "reason": b.reason, "why": b.why, "bytes": b.size, "calls": None, "invoices": None, "ok": None, "problem": None}
    if budget[0] < b.size:
        return row
    budget[0] -= b.size
    try:
        data, _schema = read_file(b.path)
    except (StoreError, OSError) as e:
        row.update(ok=False, problem=str(e).split(". The file")[0])
        return row
    row.update(ok=True, calls=len(data.get("calls") or {}), invoices=len(data.get("invoices") or {}))
    return row


@main.command("backups")
@_common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, newest first.")
@click.pass_obj
def backups_cmd(c: Ctx, as_json: bool) -> None:
    """List the backups of the ledger, newest first.

    callroom keeps the previous file before every import, compaction, schema
    migration and restore. `callroom restore N` brings backup N back.
    """
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


@main.command("restore")
@_common
@click.argument("backup")
@click.pass_obj
def restore_cmd(c: Ctx, backup: str) -> None:
    """Put a backup back in place of the ledger. BACKUP: its number in `callroom backups`
    (1 = newest), its name, or the path of a ledger file.

    The ledger as it is now is kept first as a backup, so a restore can itself be
    undone. A backup that does not open cleanly is refused, and nothing changes.
    """
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


__all__ = ["open_salvaged", "backups_cmd", "restore_cmd"]
