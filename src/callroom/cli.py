"""The command line: `callroom` opens today's session on your ledger; subcommands for scripts."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from . import __version__
from .domain.clock import Clock
from .domain.codes import Outcome, Reason, Result
from .domain.drafts import Draft, DraftError
from .domain.history import timeline

DATE = click.DateTime(formats=["%Y-%m-%d"])


class Ctx:
    def __init__(self):
        self.db: Path | None = None
        self.as_of: date | None = None
        self.read_only = False
        self.salvage = False  # --salvage: a damaged ledger opens its readable part, read-only

    @property
    def clock(self) -> Clock:
        return Clock(as_of=self.as_of)

    def path(self) -> Path:
        from .store import default_path

        return self.db or default_path()

    def open(self, read_only: bool | None = None):
        from .store import DamagedFileError, StoreError, open_store

        ro = self.read_only if read_only is None else read_only
        if ro and not self.path().exists():
            raise click.ClickException(
                f"No ledger at {self.path()} yet. Import your open invoices first (callroom import FILE.csv), or try callroom demo."
            )
        try:
            return open_store(self.path(), read_only=ro)
        except DamagedFileError as e:
            from .cli_data import open_salvaged

            return open_salvaged(self, e)  # names the damage; opens the readable part read-only only if asked
        except StoreError as e:
            raise click.ClickException(str(e)) from None


def _common(f):
    """--db, --as-of and --read-only on the group and on every subcommand."""

    def set_db(ctx, _p, v):
        if v is not None:
            ctx.ensure_object(Ctx).db = Path(v).expanduser()

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


def _run_app(store, clock: Clock, minutes: int, demo: bool = False) -> None:
    from .ui.app import CallroomApp

    try:
        CallroomApp(store, clock=clock, minutes=minutes, demo=demo).run()
    finally:
        store.close()


class _Group(click.Group):
    """Ledger errors (locked, damaged, read-only, disk full) become one clear line and exit 1."""

    def invoke(self, ctx):
        from .store import ReadOnly, StoreError

        try:
            return super().invoke(ctx)
        except (StoreError, ReadOnly) as e:
            raise click.ClickException(str(e)) from None


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@_common
@click.option("--minutes", default=60, show_default=True, type=click.IntRange(5, 240), help="Length of the power hour.")
@click.version_option(__version__, prog_name="callroom")
@click.pass_context
def main(ctx: click.Context, minutes: int) -> None:
    """callroom: an hour of collection calls, one client at a time.

    With no command, opens today's call queue on your ledger. Start with
    `callroom demo` to try it on a made-up ledger, or `callroom import FILE.csv`
    to bring in the open invoices exported from your accounting tool.
    """
    ctx.ensure_object(Ctx)
    if ctx.invoked_subcommand is None:
        c: Ctx = ctx.obj
        _say_opening(c.path(), sys.stderr)
        _run_app(c.open(), c.clock, minutes)


#: A ledger at least this big takes long enough to read that a terminal should say so.
SAY_OPENING_BYTES = 8 * 1024 * 1024


def _say_opening(path: Path, stream) -> None:
    """On a terminal, say that a big ledger is being read (a second or more before the
    session appears; the session screen then replaces the line)."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    if size >= SAY_OPENING_BYTES and stream.isatty():
        click.echo(f"Opening {path} ({size / 1e6:.0f} MB)…", file=stream)


@main.command()
@_common
@click.option("--minutes", default=60, show_default=True, type=click.IntRange(5, 240), help="Length of the power hour.")
@click.option("--keep", type=click.Path(dir_okay=False), default=None, help="Write the demo ledger here instead of a temporary file.")
@click.pass_obj
def demo(c: Ctx, minutes: int, keep: str | None) -> None:
    """Open a call session on a built-in demo ledger (never touches your own)."""
    from . import demo as demo_mod
    from .store import open_store

    if keep:
        path = Path(keep)
        if path.exists():
            raise click.ClickException(f"{path} already exists; choose a new file for the demo ledger.")
    else:
        path = Path(tempfile.mkdtemp(prefix="callroom-demo-")) / "demo.jsonl"
    store = open_store(path)
    demo_mod.load(store, c.clock.today())
    _run_app(store, c.clock, minutes, demo=True)


def _find(store, text: str):
    from .store import Ambiguous, NotFound

    try:
        return store.clients.find(text)
    except (NotFound, Ambiguous) as e:
        raise click.ClickException(str(e)) from None


def _choice(enum):
    return click.Choice(enum.codes(), case_sensitive=False)


@main.command()
@_common
@click.argument("client")
@click.option("--result", "result", required=True, type=_choice(Result), help="How the call went.")
@click.option("--reason", type=_choice(Reason), help="Why they have not paid.")
@click.option("--outcome", type=_choice(Outcome), help="What was agreed.")
@click.option("--amount", help="Promise, payment or plan total, e.g. 1200.00.")
@click.option("--date", "when", help="Promise date, callback date, plan's first date or dispute get-back date (YYYY-MM-DD or +N days).")
@click.option("--count", default="3", show_default=True, help="Plan: number of instalments.")
@click.option("--frequency", default="monthly", show_default=True, type=click.Choice(["weekly", "fortnightly", "monthly"]), help="Plan: how often.")
@click.option("--what", default="", help="Dispute: what is disputed.")
@click.option("--note", default="", help="What was said.")
@click.option("--next", "next_action", default="", help="Next action date (default: as the policy suggests).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored call as JSON.")
@click.pass_obj
def log(c: Ctx, client, result, reason, outcome, amount, when, count, frequency, what, note, next_action, as_json) -> None:
    """Log a call made away from the desk. CLIENT: a name, unique prefix or #id."""
    from .domain.drafts import defaults
    from .services import Desk

    store = c.open()
    try:
        cl = _find(store, client)
        desk = Desk(store, c.clock)
        st = desk.standing(cl.id)
        o = Outcome.parse(outcome) if outcome else None
        d = Draft(result=Result.parse(result), reason=Reason.parse(reason) if reason else None, outcome=o,
                  note=note, next_action=next_action, count=count, frequency=frequency, what=what)
        if o is not None:
            dflt = defaults(o, st, desk.today(), desk.policy)
            d.amount = amount if amount is not None else dflt.get("amount", "")
            d.date = when if when is not None else dflt.get("date", "")
        try:
            logged = desk.prepare(d, st)
        except DraftError as e:
            raise click.ClickException(f"--{e.field.replace('_', '-')}: {e}") from None
        call = desk.record(logged)
        for w in logged.warnings:
            click.echo(f"warning: {w}", err=True)
        if as_json:
            click.echo(json.dumps({"id": call.id, "client": cl.name, **call.to_record()}, default=str))
        else:
            bits = [call.result.label] + ([call.reason.label] if call.reason else []) + ([call.outcome.label] if call.outcome else [])
            click.echo(f"Logged call #{call.id} to {cl.name}: {' · '.join(bits)}.")
            for p in logged.promises:
                click.echo(f"  promise {p.money.format()} by {p.due.isoformat()}" + (f" (instalment {p.instalment})" if p.instalment else ""))
            if logged.dispute:
                click.echo(f"  dispute: {logged.dispute.what}; get back by {logged.dispute.get_back.isoformat()}")
            if call.next_action:
                click.echo(f"  next action: {call.next_action.isoformat()}")
    finally:
        store.close()


@main.command()
@_common
@click.argument("client")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def history(c: Ctx, client: str, as_json: bool) -> None:
    """A client's calls, promises, plans, disputes and payments, oldest first."""
    from .services import Desk

    store = c.open(read_only=True)
    try:
        cl = _find(store, client)
        desk = Desk(store, c.clock)
        events = timeline(store.client_file(cl.id), desk.today(), newest_first=False)
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
    finally:
        store.close()


@main.command()
@_common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def queue(c: Ctx, as_json: bool) -> None:
    """Print today's call queue and who is left out, with the reasons."""
    from .services import Desk

    store = c.open(read_only=True)
    try:
        q = Desk(store, c.clock).queue()
        if as_json:
            click.echo(json.dumps({
                "queue": [{"client_id": e.client_id, "client": e.name, "tier": e.tier_name, "why": e.why, "stage": e.stage.value,
                           "days_overdue": e.days, "owed": {k: str(v) for k, v in e.owed.items()}, "outside_hours": e.out_of_hours} for e in q.entries],
                "not_today": [{"client_id": h.client_id, "client": h.name, "why": h.why} for h in q.not_today],
            }, indent=2))
            return
        if not q.entries and not q.not_today:
            click.echo("No invoices yet. Import your open invoices: callroom import FILE.csv")
            return
        for n, e in enumerate(q.entries, 1):
            mark = "  (outside calling hours)" if e.out_of_hours else ""
            click.echo(f"{n:>3}. {e.name:<34} {e.tier_name:<19} {e.why}{mark}")
        if q.not_today:
            click.echo("\nNot today:")
            for h in q.not_today:
                click.echo(f"     {h.name:<34} {h.why}")
    finally:
        store.close()


@main.command()
@_common
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.pass_obj
def clients(c: Ctx, as_json: bool) -> None:
    """List the clients in the ledger with what they owe."""
    from .domain.money import Totals

    store = c.open(read_only=True)
    try:
        rows = []
        for cl in sorted(store.clients.all(), key=lambda x: x.name.lower()):
            owed = Totals()
            for inv in store.ledger.open_invoices(cl.id):
                if inv.balance is not None:
                    owed[inv.currency] = owed.get(inv.currency, Decimal(0)) + inv.balance
            rows.append((cl, owed))
        if as_json:
            click.echo(json.dumps([{"id": cl.id, "name": cl.name, "contact": cl.contact, "phone": cl.phone, "email": cl.email,
                                    "owed": {k: str(v) for k, v in o.items()}} for cl, o in rows], indent=2))
            return
        for cl, o in rows:
            click.echo(f"#{cl.id:<5} {cl.name:<36} {o.format() if o else '-'}")
    finally:
        store.close()


def _gc_paused(command):
    """Run ``command`` with the garbage collector paused: an import builds hundreds of thousands of
    objects and no cycles, and each collection would walk the whole loaded ledger for nothing."""
    from functools import wraps

    @wraps(command)
    def run(*args, **kwargs):
        from .importers import gc_paused

        with gc_paused():
            return command(*args, **kwargs)

    return run


@main.command("import")
@_common
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; store nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: print the invoices found as one JSON array.")
@click.option("--full", is_flag=True, help="The files list ALL open invoices: close as paid any open invoice missing from them.")
@click.option("--date-order", type=click.Choice(["dmy", "mdy", "ymd"]), help="Day/month order, when a file's dates are ambiguous.")
@click.option("--map", "maps", multiple=True, metavar="FIELD=HEADER", help="Read FIELD (client, invoice, issued, due, currency, balance, amount, email, phone) from the column HEADER.")
@click.option("--currency", default=None, help="Currency for files that do not state one (default: the ledger's, USD to start).")
@click.pass_obj
@_gc_paused
def import_(c: Ctx, files, dry_run, as_json, full, date_order, maps, currency) -> None:
    """Import open invoices from CSV exports (QuickBooks, Xero, FreshBooks, Stripe, Zoho,
    Wave, Sage, Invoice Ninja, or any CSV with recognisable headers).

    A file is imported whole or not at all. Re-importing a newer export updates
    balances; a lower balance is recorded as a payment.
    """
    from .importers import ImportFileError, parse_file, to_expected_json
    from .importers.reconcile import plan_import
    from .services import apply_import

    from .importers.columns import column_map

    try:
        mapping = column_map(maps)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--map") from None
    parsed = []
    for f in files:
        try:
            parsed.append(parse_file(Path(f), date_order=date_order, mapping=mapping or None))
        except ImportFileError as e:
            raise click.ClickException(str(e)) from None
    if dry_run and as_json:
        out = []
        for p in parsed:
            out.extend(to_expected_json(p))
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if dry_run and not c.path().exists():  # a dry run before the first import: compare with an empty ledger
        with tempfile.TemporaryDirectory() as tmp:
            from .store import open_store

            empty = open_store(Path(tmp) / "empty.jsonl")
            try:
                cur = (currency or empty.settings.default_currency).upper()
                plan = plan_import(parsed, [], [], as_of=c.clock.today(), full=full, default_currency=cur)
            finally:
                empty.close()
        for line in plan.summary_lines():
            click.echo(line)
        click.echo(f"Dry run: nothing was stored (there is no ledger at {c.path()} yet).")
        return
    store = c.open(read_only=True if dry_run else None)
    try:
        cur = (currency or store.settings.default_currency).upper()
        plan = plan_import(parsed, store.clients.all(), store.ledger.all_invoices(), as_of=c.clock.today(), full=full, default_currency=cur)
        for line in plan.summary_lines():
            click.echo(line)
        if dry_run:
            click.echo("Dry run: nothing was stored.")
            return
        counts = apply_import(store, plan)
        click.echo(f"Stored: {counts['new_clients']} new clients, {counts['new_invoices']} new invoices, "
                   f"{counts['updated_invoices']} updated, {counts['payments']} payments, {counts['closed_invoices']} closed.")
    finally:
        store.close()


@main.command()
@_common
@click.option("--min-days", type=click.IntRange(0, 365), help="Queue a client only from this many days overdue.")
@click.option("--hold-days", type=click.IntRange(0, 60), help="Hold back a client called this many days ago or less.")
@click.option("--hours", metavar="HH:MM-HH:MM", help="Calling hours in the client's local time, e.g. 09:00-17:00.")
@click.option("--weekends/--weekdays-only", default=None, help="Whether clients may be called at weekends.")
@click.option("--business", help="Your business name, used in the script's opening line.")
@click.option("--caller", help="Your name, used in the script's opening line.")
@click.option("--currency", help="Currency for imported files that do not state one (ISO code).")
@click.pass_obj
def settings(c: Ctx, min_days, hold_days, hours, weekends, business, caller, currency) -> None:
    """Show or change the collection policy and your details. With no option, shows them."""
    from dataclasses import replace as dc_replace
    from datetime import time as dtime

    changes = {k: v for k, v in dict(min_days_overdue=min_days, hold_days=hold_days).items() if v is not None}
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
    store = c.open(read_only=None if (changes or other) else True)
    try:
        if changes:
            try:
                store.settings.set_policy(dc_replace(store.settings.policy, **changes))
            except ValueError as e:
                raise click.ClickException(str(e)) from None
        if other:
            store.settings.set(**other)
        p = store.settings.policy
        click.echo(f"Business: {store.settings.business or '-'}   Caller: {store.settings.caller or '-'}   Currency: {store.settings.default_currency}")
        click.echo(f"Stages (days overdue): friendly {p.friendly_from}+, personal {p.personal_from}+, escalation {p.escalation_from}+")
        click.echo(f"Queue from {p.min_days_overdue} days overdue; hold {p.hold_days} days after a call; re-follow every {p.refollow_days} days")
        click.echo(f"Calling hours {p.call_start:%H:%M}-{p.call_end:%H:%M} client local time, {'weekdays only' if p.weekdays_only else 'weekends too'}")
    finally:
        store.close()


from . import cli_reports  # noqa: E402,F401  registers `report` and `export` on main (imported last: it uses Ctx and _common)
from . import cli_data  # noqa: E402,F401  registers `backups` and `restore` on main (same reason)


def run() -> None:  # pragma: no cover
    main(prog_name="callroom")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
