"""Calls away from the desk and what the ledger says about clients: `callroom log`,
`history`, `queue` and `clients`."""

from __future__ import annotations

import json

import click

from ..domain.codes import Outcome, Reason, Result
from .base import Ctx, choice, common, end_quickly, find_client


@click.command()
@common
@click.argument("client")
@click.option("--result", "result", required=True, type=choice(Result), help="How the call went.")
@click.option("--reason", type=choice(Reason), help="Why they have not paid.")
@click.option("--outcome", type=choice(Outcome), help="What was agreed.")
@click.option("--amount", help="Promise, payment or plan total, e.g. 1200.00.")
@click.option("--date", "when", help="Promise date, plan's first date or dispute get-back date (YYYY-MM-DD or +N days); "
              "a callback's date may carry a time ('tomorrow 15:00', '+2d 10:30').")
@click.option("--count", default="3", show_default=True, help="Plan: number of instalments.")
@click.option("--frequency", default="monthly", show_default=True, type=click.Choice(["weekly", "fortnightly", "monthly"]), help="Plan: how often.")
@click.option("--invoices", default="", metavar="N[,N…]",
              help="Promise, plan or payment: the invoices it covers (default: the overdue ones; an invoice not yet due only "
                   "when named). Dispute: the invoices disputed (default: those --what names; 'all' for every one).")
@click.option("--over", default="", metavar="REASON",
              help="Why an amount is more than the invoices it covers owe (fees, interest); without it such an amount is refused.")
@click.option("--what", default="", help="Dispute: what is disputed.")
@click.option("--who", default=None, help="Dispute: who looks into it (default: you, the caller in settings).")
@click.option("--note", default="", help="What was said.")
@click.option("--next", "next_action", default="", help="Next action date (default: as the policy suggests).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored call as JSON.")
@click.pass_obj
def log(c: Ctx, client, result, reason, outcome, amount, when, count, frequency, invoices, over, what, who, note, next_action,
        as_json) -> None:
    """Log a call made away from the desk. CLIENT: a name, unique prefix or #id."""
    from ..domain.drafts import Draft, DraftError, defaults
    from ..domain.owing import short_day

    with c.open() as desk:
        cl = find_client(desk, client)
        st = desk.standing(cl.id)
        o = Outcome.parse(outcome) if outcome else None
        d = Draft(result=Result.parse(result), reason=Reason.parse(reason) if reason else None, outcome=o,
                  note=note, next_action=next_action, count=count, frequency=frequency, what=what, invoices=invoices, over=over,
                  who=who if who is not None else desk.investigator())
        if o is not None:
            dflt = defaults(o, st, desk.today(), desk.policy)
            d.amount = amount if amount is not None else dflt.get("amount", "")
            d.date = when if when is not None else dflt.get("date", "")
        try:
            logged = desk.prepare(d, st)
        except DraftError as e:
            if e.field == "over":
                raise click.ClickException(str(e).rstrip(".") + " with --over REASON.") from None
            raise click.ClickException(f"--{e.field.replace('_', '-')}: {e}") from None
        call = desk.record(logged)
        for w in logged.warnings:
            click.echo(f"warning: {w}", err=True)
        if as_json:
            click.echo(json.dumps({"id": call.id, "client": cl.name, **call.to_record()}, default=str))
            return
        bits = [call.result.label] + ([call.reason.label] if call.reason else []) + ([call.outcome.label] if call.outcome else [])
        click.echo(f"Logged call #{call.id} to {cl.name}: {' · '.join(bits)}.")
        today = desk.today()
        said = logged.describe(today)
        if said:
            click.echo(f"  {said}")
        for p in logged.promises if logged.plan else ():
            click.echo(f"  instalment {p.instalment}: {p.money.format()} by {short_day(p.due, today)}")
        if call.next_action:
            click.echo(f"  next action: {short_day(call.next_action, today)} ({call.next_action.isoformat()})")


@click.command()
@common
@click.argument("client")
@click.option("--reverse", is_flag=True, help="Oldest first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def history(c: Ctx, client: str, reverse: bool, as_json: bool) -> None:
    """A client's calls, promises, plans, disputes and payments, newest first (as in the app)."""
    with c.open(read_only=True) as desk:
        cl = find_client(desk, client)
        events = desk.history(cl.id, newest_first=not reverse)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in events], indent=2, default=str))
        return
    click.echo(f"{cl.name} (#{cl.id})")
    if not events:
        click.echo("  no history yet")
    for e in events:
        click.echo(f"  {e.when:%Y-%m-%d}  {e.kind:<8} {e.title}")
        for line in e.detail.splitlines():
            click.echo(f"  {'':10}  {'':<8} {line}")


@click.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def queue(c: Ctx, as_json: bool) -> None:
    """Print today's call queue and who is left out, with the reasons."""
    import gc

    # From the queue summary beside the ledger when it describes the ledger as it is now
    # (the same queue, without reading the whole file): the lines it keeps in the queue's
    # order, else its decisions; else the ledger read whole. No collections meanwhile: what
    # is read makes no cycles, and ends with the process.
    paused = gc.isenabled()
    gc.disable()
    try:
        summarised = not c.salvage and c.path().exists()
        printed = None
        if summarised and not as_json:
            from ..services.queue_lines import queue_lines

            printed = queue_lines(c.path(), c.clock.now())
        if printed is None:
            from ..services.summary import queue_of

            q = queue_of(c.path(), c.clock.now()) if summarised else None
            if q is None:
                with c.open(read_only=True) as desk:
                    q = desk.queue()
            if not as_json:
                printed = ([(e.name, e.tier_name, e.why, e.out_of_hours) for e in q.entries],
                           [(h.name, h.why) for h in q.not_today])
    finally:
        if paused:
            gc.enable()
    end_quickly()
    if printed is None:
        click.echo(json.dumps({
            "queue": [{"client_id": e.client_id, "client": e.name, "tier": e.tier_name, "why": e.why, "stage": e.stage.value,
                       "days_overdue": e.days, "owed": {k: str(v) for k, v in e.owed.items()}, "outside_hours": e.out_of_hours} for e in q.entries],
            "not_today": [{"client_id": h.client_id, "client": h.name, "why": h.why} for h in q.not_today],
        }, indent=2))
        return
    entries, not_today = printed
    if not entries and not not_today:
        click.echo("No invoices yet. Import your open invoices: callroom import FILE.csv")
        return
    lines = []  # written at once: ten thousand echo calls took longer than working out the queue
    for n, (name, tier, why, outside) in enumerate(entries, 1):
        mark = "  (outside calling hours)" if outside else ""
        lines.append(f"{n:>3}. {name:<34} {tier:<19} {why}{mark}")
    if not_today:
        lines.append("\nNot today:")
        for name, why in not_today:
            lines.append(f"     {name:<34} {why}")
    click.echo("\n".join(lines))


@click.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def clients(c: Ctx, as_json: bool) -> None:
    """List the clients in the ledger with what they owe."""
    with c.open(read_only=True) as desk:
        rows = [(cl, desk.owed(cl.id)) for cl in sorted(desk.clients(), key=lambda x: x.name.lower())]
    if as_json:
        click.echo(json.dumps([{"id": cl.id, "name": cl.name, "contact": cl.contact, "phone": cl.phone, "email": cl.email,
                                "owed": {k: str(v) for k, v in o.items()}} for cl, o in rows], indent=2))
        return
    for cl, o in rows:
        click.echo(f"#{cl.id:<5} {cl.name:<36} {o.format() if o else '-'}")
