"""`callroom settings`: the collection policy and the owner's details."""

from __future__ import annotations

import click

from ..domain.aging import ASSUMED_TERMS_DAYS
from ..domain.words import count
from .base import Ctx, common


@click.command()
@common
@click.option("--min-days", type=click.IntRange(0, 365), help="Queue a client only from this many days overdue.")
@click.option("--hold-days", type=click.IntRange(0, 60), help="Hold back a client called this many days ago or less.")
@click.option("--hours", metavar="HH:MM-HH:MM", help="Calling hours in the client's local time, e.g. 09:00-17:00.")
@click.option("--terms", "terms", type=click.IntRange(0, 365), metavar="DAYS",
              help="Your usual terms: an invoice whose export gives no due date (FreshBooks, some reports) and no terms "
                   "of its own falls due this many days after it was issued (not set: 30 days are assumed, and said so).")
@click.option("--weekends/--weekdays-only", default=None, help="Whether clients may be called at weekends.")
@click.option("--business", help="Your business name, used in the script's opening line.")
@click.option("--caller", help="Your name, used in the script's opening line.")
@click.option("--currency", help="Currency for imported files that do not state one (ISO code).")
@click.pass_obj
def settings(c: Ctx, min_days, hold_days, terms, hours, weekends, business, caller, currency) -> None:
    """Show or change the collection policy and your details. With no option, shows them."""
    from dataclasses import replace as dc_replace
    from datetime import time as dtime

    changes = {k: v for k, v in dict(min_days_overdue=min_days, hold_days=hold_days, usual_terms_days=terms).items()
               if v is not None}
    if hours:
        try:
            a, b = hours.split("-")
            changes["call_start"], changes["call_end"] = dtime.fromisoformat(a.strip()), dtime.fromisoformat(b.strip())
        except ValueError:
            raise click.BadParameter(f"{hours!r}: use HH:MM-HH:MM, e.g. 09:00-17:00", param_hint="--hours") from None
    if weekends is not None:
        changes["weekdays_only"] = not weekends
    other = {k: v for k, v in dict(business=business, caller=caller).items() if v is not None}
    if currency is not None:
        if len(currency) != 3 or not currency.isalpha():
            raise click.BadParameter(f"{currency!r} is not a currency code like USD or EUR", param_hint="--currency")
        other["currency"] = currency.upper()
    with c.open(read_only=None if (changes or other) else True) as desk:
        s = desk.settings
        if changes:
            try:
                s.set_policy(dc_replace(s.policy, **changes))
            except ValueError as e:
                raise click.ClickException(str(e)) from None
        if other:
            s.set(**other)
        p = s.policy
        click.echo(f"Business: {s.business or '-'}   Caller: {s.caller or '-'}   Currency: {s.default_currency}")
        click.echo(f"Stages (days overdue): friendly {p.friendly_from}+, personal {p.personal_from}+, escalation {p.escalation_from}+")
        click.echo(f"Queue from {count(p.min_days_overdue, 'day')} overdue; hold {count(p.hold_days, 'day')} after a call; "
                   f"re-follow every {count(p.refollow_days, 'day')}")
        click.echo("Terms when an export gives no due date: " + (
            f"issued + {count(p.usual_terms_days, 'day')} (yours)" if p.usual_terms_days is not None else
            f"issued + {ASSUMED_TERMS_DAYS} days, assumed (set yours: callroom settings --terms DAYS)"))
        click.echo(f"Calling hours {p.call_start:%H:%M}-{p.call_end:%H:%M} client local time, {'weekdays only' if p.weekdays_only else 'weekends too'}")
