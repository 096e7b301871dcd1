"""`callroom import`: open invoices from accounting exports, previewed or stored whole."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .base import Ctx, common, gc_paused


@click.command("import")
@common
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the invoices found as one JSON array.")
@click.option("--full", is_flag=True, help="The files list ALL open invoices of their kind: close as paid the open invoices "
              "from the same kind of export (and currency) that they no longer list.")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), help="Day/month order, when a file's dates are ambiguous.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER", help="Read FIELD (client, invoice, issued, due, currency, balance, amount, email, phone, status, sent) "
              "from the column HEADER.")
@click.option("--currency", default=None, help="Currency for files that do not state one (default: the ledger's, USD to start).")
@click.option("--decimal", type=click.Choice(["comma", "point"]), help="The decimal mark, when a file's amounts read both ways (1.234).")
@click.option("--sheet", metavar="NAME", help="The sheet of an Excel workbook to read, when several hold invoices (its name or number).")
@click.option("--explain", is_flag=True, help="List every line that is not an invoice (titles, totals, headings, footers, "
              "skipped rows) and why, and every item of the preview's lists.")
@click.option("--same", "same", multiple=True, metavar='"NAME=CLIENT"', help='A name in the files is this client (a name, or #id): "Kowalski, Anna=Anna Kowalski".')
@click.option("--separate", "separate", multiple=True, metavar="NAME", help="Keep this name in the files apart from the client it looks like.")
@click.option("--accept-older", is_flag=True, help="Import files that would move facts back (older than the latest import, a balance up with no new invoice).")
@click.pass_obj
@gc_paused
def import_(c: Ctx, files, dry_run, as_json, full, date_order, maps, currency, decimal, sheet, explain, same, separate,
            accept_older) -> None:
    """Import open invoices from exports: CSV or Excel (.xlsx) from QuickBooks, Xero,
    FreshBooks, Stripe, Zoho, Wave, Sage, Invoice Ninja, aging reports, or any file with
    recognisable headers.

    A file is imported whole or not at all. Re-importing a newer export updates
    balances; a lower balance is recorded as a payment, dated by the export's
    as-of date when it states one. Credit notes and unapplied payments are kept
    with the client as its unapplied credit; an invoice the export shows as
    disputed, not sent or uncollectible is kept but not chased. A client the files name
    differently from the ledger is matched on more than the name; a likely match is
    asked about (--same / --separate). An export older than the ledger is not stored
    without --accept-older.
    """
    from ..services.errors import ImportError_, ImportFileError
    from ..services.imports import LIST_MAX, Decisions, blocked_text, column_map, expected_json, explain as explain_of, \
        parse_files, plan_against_empty, stored_counts

    try:
        mapping = column_map(maps)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--map") from None
    try:
        decisions = Decisions.parse(same, separate)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--same") from None
    try:
        parsed = parse_files([Path(f) for f in files], date_order=date_order, mapping=mapping or None,
                             decimal=decimal, sheet=sheet)
    except ImportFileError as e:
        raise click.ClickException(str(e)) from None
    if dry_run and as_json:
        click.echo(json.dumps(expected_json(parsed), indent=2, ensure_ascii=False))
        return
    if explain:
        for line in explain_of(parsed):
            click.echo(line)
    try:
        if dry_run and not c.path().exists():  # a dry run before the first import: compare with an empty ledger
            plan = plan_against_empty(parsed, as_of=c.clock.today(), full=full, currency=(currency or "USD").upper(),
                                      decisions=decisions)
            for line in plan.summary_lines(limit=None if explain else LIST_MAX):
                click.echo(line)
            _how_to_decide(plan)
            click.echo(f"Dry run: nothing was stored (there is no ledger at {c.path()} yet).")
            return
        with c.open(read_only=True if dry_run else None) as desk:
            plan = desk.plan_import(parsed, full=full, currency=currency, decisions=decisions,
                                    accept_older=accept_older)
            for line in plan.summary_lines(limit=None if explain else LIST_MAX):
                click.echo(line)
            _how_to_decide(plan)
            if dry_run:
                click.echo("Dry run: nothing was stored.")
                return
            if plan.blocked:
                raise click.ClickException(blocked_text(plan))
            if not plan.has_changes:
                return  # the summary above already says there is nothing to change
            counts = desk.apply_import(plan)
    except ImportError_ as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Stored: {stored_counts(counts)}.")


def _how_to_decide(plan) -> None:
    """After the preview: how to answer each likely match, and how to accept older facts."""
    for q in plan.questions:
        target = f"#{q.candidate_id}" if q.candidate_id is not None else q.candidate
        click.echo(f'  {q.name}: --same "{q.name}={target}" if it is {q.candidate}, '
                   f'--separate "{q.name}" if not.')
    if plan.older and not plan.accept_older:
        click.echo("  Older facts: import again with --accept-older if these files are right after all.")
