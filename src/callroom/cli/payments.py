"""Money received away from the session: `callroom pay`."""

from __future__ import annotations

import json
from decimal import Decimal

import click

from ..domain.drafts import DraftError
from ..domain.money import format_money
from .base import Ctx, common, find_client


@click.command()
@common
@click.argument("client")
@click.argument("amount")
@click.option("--invoice", "invoices", multiple=True, metavar="N",
              help="An invoice it pays (repeat, or N,N); the rest of the money goes to the oldest due. Default: oldest first.")
@click.option("--date", "day", default="", metavar="YYYY-MM-DD", help="When it arrived: today or earlier (also 'today', '+0'). Default: today.")
@click.option("--currency", default="", metavar="CODE", help="Its currency (default: that of the first invoice named, else the one most is owed in).")
@click.option("--note", default="", help="Cheque number, bank reference…")
@click.option("--over", default="", metavar="REASON",
              help="Why it is more than everything open in its currency (fees, interest); without it such an amount is refused.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored payment as JSON.")
@click.pass_obj
def pay(c: Ctx, client: str, amount: str, invoices: tuple[str, ...], day: str, currency: str, note: str, over: str, as_json: bool) -> None:
    """Record a payment received from CLIENT (a name, unique prefix or #id), as $ does in
    the session: stored at once, lowering the invoices named first, then the oldest due."""
    values = {"amount": amount, "currency": currency, "date": day, "invoices": ", ".join(invoices), "note": note, "over": over}
    with c.open() as desk:
        cl = find_client(desk, client)
        try:
            p = desk.receive_payment(cl.id, values)
        except DraftError as e:
            if e.field == "over":
                raise click.ClickException(str(e).rstrip(".") + " with --over REASON.") from None
            name = {"amount": "AMOUNT", "invoices": "--invoice"}.get(e.field, f"--{e.field}")
            raise click.ClickException(f"{name}: {e}") from None
        owed = desk.owed(cl.id)
        numbers = {str(i.id): i.number for i in desk.client_file(cl.id).invoices}
    if as_json:
        click.echo(json.dumps({"id": p.id, "client": cl.name, **p.to_record()}, default=str))
        return
    click.echo(f"Payment of {format_money(p.amount, p.currency)} from {cl.name} stored (#{p.id}, {p.date.isoformat()}).")
    for inv_id, amt in p.applied.items():
        click.echo(f"  lowers {numbers.get(inv_id, inv_id)} by {format_money(Decimal(amt), p.currency)}")
    extra = p.amount - sum((Decimal(a) for a in p.applied.values()), Decimal(0))
    if extra > 0:
        click.echo(f"  {format_money(extra, p.currency)} more than was owed" + (f" ({over.strip()})" if over.strip() else ""))
    click.echo(f"  still owed: {owed.format(sep=' + ')}" if owed else "  nothing is owed now")
