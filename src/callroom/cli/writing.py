"""Writing after the call: `callroom profile`, `client`, `write` and `templates`."""

from __future__ import annotations

from pathlib import Path

import click

from ..domain.messages import Kind
from .base import Ctx, common, find_client

KINDS = [k.value for k in Kind]
_LANGUAGE_NAMES = {"en": "English", "de": "German"}


def _pairs(values: tuple[str, ...], option: str, what: str) -> dict[str, str]:
    """'KEY=TEXT' options as {KEY: TEXT} (TEXT may hold '=' and '\\n' for a new line)."""
    out: dict[str, str] = {}
    for v in values:
        key, sep, text = v.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{v!r}: use {what}=TEXT", param_hint=option)
        out[key.strip()] = _lines(text)
    return out


def _lines(text: str | None) -> str | None:
    return None if text is None else text.replace("\\n", "\n")


def _refused(e: Exception) -> click.ClickException:
    return click.ClickException(f"{e}. Nothing was changed.")


@click.command()
@common
@click.option("--name", help="Your business name.")
@click.option("--contact", help="The person clients reach (signs the messages).")
@click.option("--phone", help="Your phone, with its +country code.")
@click.option("--email", help="Your email address.")
@click.option("--address", help="Your postal address (\\n for a new line).")
@click.option("--website", help="Your website.")
@click.option("--logo", "logo_path", type=click.Path(dir_okay=False), metavar="PATH", help="A PNG or JPEG logo (kept in the ledger).")
@click.option("--remove-logo", is_flag=True, help="Take the logo out.")
@click.option("--sign-off", help="The closing words before your name, e.g. 'Kind regards,'.")
@click.option("--language", help="The language you write in, e.g. en_GB, de (empty: English); "
                                  "a client's own language comes first.")
@click.option("--instructions", multiple=True, metavar="CUR=TEXT",
              help="How to pay in a currency (bank details, a pay link, a cheque address). Repeatable; empty TEXT removes it.")
@click.option("--client-instructions", multiple=True, metavar="CLIENT=TEXT",
              help="A client's own payment instructions, used before yours. Repeatable; empty TEXT removes it.")
@click.option("--cost", "costs", multiple=True, metavar="[CUR:]ROUTE=SETTINGS",
              help="Your escalation costs, per route (see below). Repeatable.")
@click.pass_obj
def profile(c: Ctx, name, contact, phone, email, address, website, logo_path, remove_logo, sign_off, language,
            instructions, client_instructions, costs) -> None:
    """Show or set your business profile: who written messages come from, how to pay,
    and what escalating costs you.

    With no option, shows it. Kept in the ledger, so a backup or a restore keeps it
    (the logo too). Each value is checked first; a bad one is refused naming the
    field, and nothing is changed.

    \b
    Escalation costs (what `callroom escalation` weighs; examples until you set
    yours; not legal advice):
    --cost [CUR:]ROUTE=SETTINGS. ROUTE: final-notice, lawyer, agency, small-claims,
    settle, write-off. SETTINGS, comma-separated:
      fee:150              a flat fee
      fee:35 up to 300     a fee table by claim amount: one 'fee:' per band; the
                           smallest band that covers the claim applies
      commission:30%       a share of what is recovered (0-100%)
      minimum:200          the smallest claim the route takes (an agency's)
      limit:10000          the largest claim (a small claims court's limit)
      hours:8              your own time the route takes
      days:30              how long it usually takes: the client comes back then
                           (a final notice's deadline is the policy's)
      accept:70%           settle: the share of the claim you would accept
    Also hourly=60 (your hourly value, for the hours) and interest=8% (a year on
    overdue amounts; shown in case files only when set). An empty value (lawyer=)
    goes back to the example. Amounts are in the ledger's currency unless CUR: names
    another (EUR:lawyer=fee:120).

    \b
    Examples:
      callroom profile --cost lawyer=fee:180,days:14 --cost hourly=75
      callroom profile --cost "agency=commission:25%, minimum:500, days:45"
      callroom profile --cost "small-claims=limit:10000, fee:35 up to 300,
          fee:80 up to 1500, fee:455 up to 10000, hours:8, days:90"
    """
    from ..services.errors import Ambiguous, NotFound
    from ..services.writing import ProfileError

    values = dict(name=name, contact=contact, phone=phone, email=email, address=_lines(address), website=website,
                  sign_off=sign_off, language=language)
    values = {k: v for k, v in values.items() if v is not None}
    pays = _pairs(instructions, "--instructions", "CUR")
    own = _pairs(client_instructions, "--client-instructions", "CLIENT")
    changing = bool(values or pays or own or logo_path or remove_logo or costs)
    if not changing and not c.path().exists():
        _show_empty_profile(c)
        return
    with c.open(read_only=None if changing else True) as desk:
        if changing:
            try:
                desk.set_profile(instructions=pays or None, logo_path=logo_path, remove_logo=remove_logo,
                                 client_instructions=own or None, costs=list(costs) or None, **values)
            except ProfileError as e:
                raise _refused(e) from None
            except (NotFound, Ambiguous) as e:
                raise click.ClickException(f"--client-instructions: {e}") from None
        _show_profile(desk)


def _show_empty_profile(c: Ctx) -> None:
    """A fresh install: no ledger yet, so an empty profile and how to set it (nothing written)."""
    from ..domain.profile import Profile

    _show_fields(Profile(), None)
    click.echo(f"No ledger at {c.path()} yet: the profile is kept in it. Set it with "
               "`callroom profile --name ... --contact ...` (that starts the ledger), or import your invoices first "
               "(callroom import FILE.csv).")


def _show_fields(p, lg) -> None:
    rows = [("Business", p.name), ("Contact", p.contact), ("Phone", p.phone), ("Email", p.email),
            ("Address", p.address), ("Website", p.website), ("Sign-off", p.sign_off),
            ("Language", p.language or "English (default)"),
            ("Logo", f"{lg.mime}, {lg.width}x{lg.height} px, {len(lg.data) // 1024 or 1} KB" if lg else "")]
    for label, value in rows:
        lines = (value or "-").splitlines() or ["-"]
        click.echo(f"{label + ':':<10} {lines[0]}")
        for more in lines[1:]:
            click.echo(f"{'':<10} {more}")
    if p.instructions:
        click.echo("Payment instructions:")
        for cur, text in sorted(p.instructions.items()):
            click.echo(f"  {cur}: {text}")
    else:
        click.echo("Payment instructions: none yet (callroom profile --instructions USD='...')")


def _show_profile(desk) -> None:
    p = desk.profile
    _show_fields(p, desk.logo)
    _show_costs(desk)
    missing = [f for f in ("name", "contact", "phone", "email") if not getattr(p, f)]
    if missing:
        click.echo(f"Not set yet: {', '.join(missing)} (messages need the name and contact; a missed-call note the phone).")


def _show_costs(desk) -> None:
    from ..domain.escalation import EXAMPLE_HOURLY, EXAMPLES, Route

    for cur, book in desk.cost_books().items():
        click.echo(f"Escalation costs in {cur}" + (" (examples: replace them with --cost; not legal advice):" if book.is_example() else
                                                   " (* example, not yet yours):"))
        hourly = f"{book.hourly}" if book.hourly is not None else f"{EXAMPLE_HOURLY} *"
        click.echo(f"  {'hourly':<13} {hourly}")
        for r in Route:
            own = book.own(r)
            shown = own.over(EXAMPLES[r])
            spec = shown.to_spec() or "-"
            star = "" if not book.uses_example(r, [k for k in ("fees", "commission", "minimum", "limit", "hours", "days", "accept")]) else " *"
            click.echo(f"  {r.value:<13} {spec}{star}")
        if book.interest is not None:
            click.echo(f"  {'interest':<13} {book.interest}% a year")


@click.command("client")
@common
@click.argument("name")
@click.option("--phone", help="Phone number (with +country code, or read in the client's region).")
@click.option("--email", help="Email address (empty to clear).")
@click.option("--contact", help="Contact person.")
@click.option("--address", help="Postal address (\\n for a new line).")
@click.option("--instructions", help="Payment instructions for this client, used before the profile's (empty to clear).")
@click.option("--language", help="Language for written messages, e.g. en_GB, de, fr_CA (empty: your profile's, "
                                  "with dates and money as in the client's country).")
@click.pass_obj
def client(c: Ctx, name, phone, email, contact, address, instructions, language) -> None:
    """Show or change a client's details. NAME: a name, unique prefix or #id.

    Each value is checked first (the phone with phonenumbers, the email's form); a bad
    one is refused naming the field, and nothing is changed."""
    from ..services.writing import ProfileError

    values = dict(phone=phone, email=email, contact=contact, address=_lines(address), instructions=_lines(instructions),
                  language=language)
    values = {k: v for k, v in values.items() if v is not None}
    with c.open(read_only=None if values else True) as desk:
        cl = find_client(desk, name)
        if values:
            try:
                cl = desk.set_client_details(cl.id, **values)
            except ProfileError as e:
                raise _refused(e) from None
        click.echo(f"{cl.name} (#{cl.id})")
        for label, value in (("Contact", cl.contact), ("Phone", ", ".join(cl.phones)), ("Email", cl.email),
                             ("Address", cl.address), ("Pays by", cl.instructions), ("Language", cl.language or "as your profile (default)")):
            lines = (value or "-").splitlines() or ["-"]
            click.echo(f"  {label + ':':<10} {lines[0]}")
            for more in lines[1:]:
                click.echo(f"  {'':<10} {more}")


@click.command()
@common
@click.argument("client_name", metavar="CLIENT")
@click.option("--kind", required=True, type=click.Choice(KINDS, case_sensitive=False),
              help="confirmation uses the client's latest promise (or --call's).")
@click.option("--call", "call_id", type=int, metavar="N", help="The call the message follows (its number in `history --json`).")
@click.option("--format", "fmt", required=True, type=click.Choice(["text", "eml", "pdf", "sms"]), help="What to write.")
@click.option("--out", type=click.Path(), metavar="FILE", help="Write here (text and sms: else to standard output; eml and pdf: else a file named after the client in this folder).")
@click.option("--preview", is_flag=True, help="Write it but do not record it in the client's history.")
@click.pass_obj
def write(c: Ctx, client_name, kind, call_id, fmt, out, preview) -> None:
    """Write a message from the ledger: a promise or plan confirmation, a dispute
    acknowledgement, a payment receipt, a missed-call note, a reminder or a final notice.

    It is recorded in the client's history as a written contact (never as a call)
    unless --preview is given. Nothing is recorded when nothing was written.
    """
    from ..services.writing import MessageError, WriteError, default_name

    with c.open(read_only=True if preview else None) as desk:
        cl = find_client(desk, client_name)
        try:
            draft = desk.compose(cl.id, Kind.parse(kind), call_id=call_id)
        except MessageError as e:
            raise click.ClickException(f"{e}. Nothing was written.") from None
        if draft.warning:
            click.echo(f"warning: {draft.warning}", err=True)
        msg = draft.message
        if fmt in ("eml", "pdf") and out is None:
            out = default_name(msg, fmt, c.clock.today())
        if fmt in ("eml",) and not msg.to:
            click.echo(f"note: {cl.name} has no email address on file; fill in the To line "
                       f"(or add it: callroom client {cl.name!r} --email ...)", err=True)
        try:
            if out is None:
                data = desk.render(msg, fmt)
                click.echo(data.decode("utf-8"), nl=False)
                if not preview:
                    desk.record_written(msg, fmt, call_id=call_id)
                return
            desk.save_message(msg, fmt, Path(out), call_id=call_id, record=not preview)
        except WriteError as e:
            raise click.ClickException(f"{e}. Nothing was recorded.") from None
        what = {"eml": "email file", "pdf": "PDF letter", "text": "text", "sms": "SMS text"}[fmt]
        click.echo(f"Wrote the {msg.kind.label.lower()} for {cl.name} as {what}: {out}"
                   + ("" if preview else " (recorded in the history)"))


@click.command()
@click.option("--write", "write_out", is_flag=True, help="Write the default templates to the folder, for editing.")
@click.option("--force", is_flag=True, help="With --write: replace files already there.")
@click.option("--placeholders", metavar="KIND", type=click.Choice(KINDS, case_sensitive=False), help="List the placeholders a kind's template may use.")
def templates(write_out, force, placeholders) -> None:
    """List the message templates in use (yours or the defaults), write the defaults
    out for editing, or list a kind's placeholders.

    A template is a text file: 'Subject: ...' on the first line, then the body, with
    $placeholders ($$ for a dollar sign). Name it KIND.txt, or KIND.LANG.txt (e.g.
    confirmation.de.txt) for clients written to in that language. callroom ships its
    wording in English and German; a client whose language has neither a file of
    yours nor callroom's wording is written to in English (KIND.txt is read as being
    in your profile's language, English unless set), with dates and money to match the
    words. A file with an unknown placeholder or a stray $ is refused naming the file
    and line; the default is used until it is fixed.
    """
    from ..domain.messages import placeholders as names_of
    from ..services.writing import WriteError, template_states, templates_dir, write_default_templates

    if placeholders:
        for name, what in names_of(Kind.parse(placeholders)).items():
            click.echo(f"${name:<18} {what}")
        return
    if write_out:
        try:
            done = write_default_templates(force=force)
        except WriteError as e:
            raise click.ClickException(str(e)) from None
        for path, wrote in done:
            click.echo(f"{'wrote' if wrote else 'kept '} {path}")
        if not all(w for _, w in done):
            click.echo("(files already there were kept; --force replaces them)")
    click.echo(f"Templates folder: {templates_dir()}")
    bad = 0
    for st in template_states():
        where = str(st.path) if st.path else f"default ({_LANGUAGE_NAMES.get(st.language, st.language)})"
        click.echo(f"  {st.kind.value:<13} {where}")
        if st.error:
            bad += 1
            click.echo(f"  {'':<13} REFUSED: {st.error}")
    if bad:
        raise SystemExit(1)


__all__ = ["profile", "client", "write", "templates"]
