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
@click.option("--full", is_flag=True, help="The files list ALL open invoices: close as paid any open invoice missing from them.")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), help="Day/month order, when a file's dates are ambiguous.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER", help="Read FIELD (client, invoice, issued, due, currency, balance, amount, email, phone) from the column HEADER.")
@click.option("--currency", default=None, help="Currency for files that do not state one (default: the ledger's, USD to start).")
@click.pass_obj
@gc_paused
def import_(c: Ctx, files, dry_run, as_json, full, date_order, maps, currency) -> None:
    """Import open invoices from CSV exports (QuickBooks, Xero, FreshBooks, Stripe, Zoho,
    Wave, Sage, Invoice Ninja, or any CSV with recognisable headers).

    A file is imported whole or not at all. Re-importing a newer export updates
    balances; a lower balance is recorded as a payment.
    """
    from ..services.errors import ImportFileError
    from ..services.imports import column_map, expected_json, parse_files, plan_against_empty

    try:
        mapping = column_map(maps)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--map") from None
    try:
        parsed = parse_files([Path(f) for f in files], date_order=date_order, mapping=mapping or None)
    except ImportFileError as e:
        raise click.ClickException(str(e)) from None
    if dry_run and as_json:
        click.echo(json.dumps(expected_json(parsed), indent=2, ensure_ascii=False))
        return
    if dry_run and not c.path().exists():  # a dry run before the first import: compare with an empty ledger
        plan = plan_against_empty(parsed, as_of=c.clock.today(), full=full, currency=(currency or "USD").upper())
        for line in plan.summary_lines():
            click.echo(line)
        click.echo(f"Dry run: nothing was stored (there is no ledger at {c.path()} yet).")
        return
    with c.open(read_only=True if dry_run else None) as desk:
        plan = desk.plan_import(parsed, full=full, currency=currency)
        for line in plan.summary_lines():
            click.echo(line)
        if dry_run:
            click.echo("Dry run: nothing was stored.")
            return
        counts = desk.apply_import(plan)
        click.echo(f"Stored: {counts['new_clients']} new clients, {counts['new_invoices']} new invoices, "
                   f"{counts['updated_invoices']} updated, {counts['payments']} payments, {counts['closed_invoices']} closed.")
