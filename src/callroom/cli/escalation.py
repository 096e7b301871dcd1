"""When a client will not pay: `callroom escalation` (the routes weighed, one chosen on the
record) and `callroom casefile` (everything a lawyer, an agency or a court asks for)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..domain.escalation import EXAMPLE_NOTE, Route, closed_text, due_why, held_why
from ..domain.money import format_money
from .base import Ctx, common, find_client

ROUTES = [r.value for r in Route]


def _days(n: int) -> str:
    return "at once" if n == 0 else f"{n} day{'s' if n != 1 else ''}"


def _show(view) -> None:
    c = view.client
    for cur, ests in view.weighed.items():
        claim = view.claims.for_currency(cur)
        numbers = ", ".join(i.number for i in claim.invoices)
        click.echo(f"{c.name} (#{c.id}): {format_money(claim.amount, cur)} overdue "
                   f"(invoice{'s' if len(claim.invoices) != 1 else ''} {numbers}; {claim.days_text})")
        click.echo(f"  {'Route':<20} {'Cost':>12} {'Keeps':>13}  {'Time':<9}")
        section = None
        for e in ests:
            kind = "uneconomic" if e.uneconomic else ("unavailable" if not e.available else "")
            if kind != section and kind:
                click.echo("  Costs more than it recovers:" if kind == "uneconomic" else "  Not available:")
            section = kind
            click.echo(f"  {e.route.label:<20} {format_money(e.cost, cur):>12} {format_money(e.keeps, cur):>13}  {_days(e.days):<9}"
                       + ("  *" if e.example else ""))
            click.echo(f"      {e.why}")
    for note in view.notes():
        click.echo(note)
    if view.examples_used():
        click.echo(f"* {EXAMPLE_NOTE}")
    for st in view.history:
        when = f"{st.step.at:%Y-%m-%d}"
        if st.status in ("running", "written-off"):
            now = held_why(st, today=view.today)
        elif st.status == "due":
            now = "due back: " + due_why(st, today=view.today)
        elif st.status == "checked":
            now = "check date passed; the normal queue has it again"
        else:
            now = closed_text(st)
        click.echo(f"Chosen {when}: {st.route.label} for {format_money(st.step.claim, st.step.currency)} — {now}")


@click.command()
@common
@click.argument("client_name", metavar="CLIENT")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON list of {"route", "cost", "keeps", "available", "why", "days", ...} (money as decimal strings, with "currency").')
@click.option("--choose", "choose_route", type=click.Choice(ROUTES, case_sensitive=False), metavar="ROUTE",
              help=f"Choose a route and put it on the record: {', '.join(ROUTES)}.")
@click.option("--currency", metavar="CUR", help="With --choose or --withdraw: the currency, when the client owes overdue in several.")
@click.option("--note", default="", help="With --choose: a note kept with the step.")
@click.option("--withdraw", is_flag=True, help="End the route standing for this client; the normal queue takes it back.")
@click.pass_obj
def escalation(c: Ctx, client_name, as_json, choose_route, currency, note, withdraw) -> None:
    """Weigh the routes for a client who will not pay: final notice, lawyer's letter,
    collection agency, small claims court, settle for less, write off.

    For what is overdue (never what is not yet due, nor what is disputed): what each
    route costs, what you can expect to keep if it is paid in full, how long it usually
    takes and whether it is available (a court's limit, an agency's minimum). A route
    that costs more than it recovers is marked and listed last. The costs are yours
    (callroom profile --cost ...); until you set them, examples are used and marked.

    --choose puts the decision on the record (its estimated cost and its deadline or
    check date): the client leaves the normal queue while it runs and comes back on
    that date. A payment at any point closes it.
    """
    from ..services.escalation import EscalationError

    if choose_route and withdraw:
        raise click.UsageError("--choose and --withdraw do not go together")
    changing = bool(choose_route or withdraw)
    with c.open(read_only=None if changing else True) as desk:
        cl = find_client(desk, client_name)
        if withdraw:
            try:
                ended = desk.withdraw_route(cl.id, currency=currency)
            except EscalationError as e:
                raise click.ClickException(f"{e}. Nothing was changed.") from None
            for s in ended:
                click.echo(f"Withdrawn: {Route(s.route).label} for {cl.name}; the normal queue takes it back.")
            return
        if choose_route:
            try:
                step, est = desk.choose_route(cl.id, choose_route, currency=currency, note=note)
            except EscalationError as e:
                raise click.ClickException(f"{e}. Nothing was stored.") from None
            check = (f"deadline {step.check.isoformat()}" if est.route is Route.FINAL_NOTICE else f"check date {step.check.isoformat()}") \
                if step.check else "no check date (written off)"
            click.echo(f"Recorded: {est.route.label} for {cl.name}, {format_money(step.claim, step.currency)} overdue; "
                       f"estimated cost {format_money(step.cost, step.currency)}{' (example costs)' if step.example else ''}; {check}.")
            if est.uneconomic:
                click.echo(f"Note: this route {est.why.split(':')[0]}.")
            if step.check:
                click.echo(f"{cl.name} leaves the normal queue until {step.check.isoformat()}; a payment before then closes the route.")
            if est.route is Route.FINAL_NOTICE:
                click.echo(f"Write it: callroom write {cl.name!r} --kind final-notice --format pdf")
            return
        view = desk.routes(cl.id)
        if as_json:
            click.echo(json.dumps([e.to_json() for ests in view.weighed.values() for e in ests], indent=2, ensure_ascii=False))
            return
        if view.nothing_overdue:
            click.echo(f"{cl.name} has nothing overdue to escalate.")
            for note_line in view.notes():
                click.echo(note_line)
            return
        _show(view)


@click.command()
@common
@click.argument("client_name", metavar="CLIENT")
@click.option("--out", "out", required=True, type=click.Path(), metavar="DIR", help="The folder to write it in (made if missing).")
@click.option("--force", is_flag=True, help="Replace a case file already in DIR.")
@click.pass_obj
def casefile(c: Ctx, client_name, out, force) -> None:
    """Write a client's case file for a lawyer, an agency or a court, from the ledger.

    DIR gets casefile.pdf (a summary with both parties, what is owed, interest only if
    you set a rate, the route chosen; the statement of account; every call and written
    message with the notes as recorded; promises kept and broken; disputes; letters sent
    as numbered exhibits), statement.csv and contact-log.csv (the same rows) and letters/
    (each message sent, as recorded, and the file it was saved as when still there).
    """
    from ..services.escalation import CaseFileError

    with c.open(read_only=True) as desk:
        cl = find_client(desk, client_name)
        try:
            paths = desk.write_case_file(cl.id, Path(out), force=force)
        except CaseFileError as e:
            raise click.ClickException(str(e) + ".") from None
        case = desk.case_file(cl.id)
    folder = Path(out).expanduser()
    click.echo(f"Wrote the case file for {cl.name} in {folder}:")
    for p in paths:
        click.echo(f"  {p.relative_to(folder)}")
    click.echo(f"{len(case.statement)} invoice{'s' if len(case.statement) != 1 else ''}, {len(case.contacts)} contact"
               f"{'s' if len(case.contacts) != 1 else ''}, {len(case.exhibits)} letter{'s' if len(case.exhibits) != 1 else ''}; "
               f"owed {case.owed.format(sep=' + ')}.")


__all__ = ["escalation", "casefile"]
