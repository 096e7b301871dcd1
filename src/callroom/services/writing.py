"""Writing after the call: the business profile, client details, templates, composing a
message from the ledger, rendering it (text, SMS, .eml, PDF) and recording it as a
written contact in the client's history. The one door the screens and commands use.

A written contact is never a call: it is kept in a table of its own, so no reach rate,
promise rate, queue hold or session count ever sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import escalation as esc_mod
from ..domain.clock import Clock
from ..domain.models import Call, Client, Written
from ..domain.profile import Logo, Profile, ProfileError, clean_email, clean_phone, clean_text
from ..domain.wording import TEMPLATES
from ..files import write_whole
from ..config import config_dir
from ..store.repo import Store

if TYPE_CHECKING:
    from ..domain.messages import Kind, Message, Template

#: Names of :mod:`callroom.domain.messages` this module gives (imported when first asked
#: for: the wording, the languages and phonenumbers behind them are not needed to open).
_FROM_MESSAGES = frozenset({"Kind", "Message", "MessageError", "MissingProfile", "Template", "TemplateError"})


def _msg():
    """:mod:`callroom.domain.messages`, imported the first time a message is worked on."""
    from ..domain import messages

    return messages


def __getattr__(name: str):
    if name in _FROM_MESSAGES:
        return getattr(_msg(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FORMATS = ("text", "eml", "pdf", "sms")
EXTENSIONS = {"text": ".txt", "eml": ".eml", "pdf": ".pdf", "sms": ".txt"}


class WriteError(Exception):
    """A message could not be written or saved: the text says what and where."""


# ----------------------------------------------------------------------------------- profile


def profile(store: Store) -> Profile:
    return store.settings.profile


def logo(store: Store) -> Logo | None:
    return store.settings.logo


def set_profile(store: Store, *, logo_path: str | Path | None = None, remove_logo: bool = False,
                client_instructions: dict[str, str] | None = None, costs: list[str] | None = None, **values) -> Profile:
    """Check every value first (ProfileError names the first bad one), then store them all
    as one durable write. ``instructions``: {currency: text}; ``client_instructions``:
    {client name: text} (the client's own override; '' clears it); ``costs``: escalation
    costs in the ``--cost`` syntax (``callroom profile --help``; CostError names the route
    and setting)."""
    current = store.settings.profile
    new = current.changed(**{k: v for k, v in values.items() if v is not None})
    if costs:
        settings = [esc_mod.parse_setting(t) for t in costs]
        books = esc_mod.apply_settings(esc_mod.books(new), settings, store.settings.default_currency)
        new = esc_mod.with_books(new, books)
    from ..documents.logo import read_logo

    new_logo = read_logo(logo_path) if logo_path else None
    clients: list[Client] = []
    for name, text in (client_instructions or {}).items():
        c = find_client(store, name)
        clients.append(replace(c, instructions=clean_text("instructions", text)))
    with store.transaction():
        if new != current:
            store.settings.set_profile(new)
        if new_logo is not None:
            store.settings.set_logo(new_logo)
        elif remove_logo:
            store.settings.set_logo(None)
        for c in clients:
            store.clients.save(c)
    return new


def find_client(store: Store, name: str) -> Client:
    return store.clients.find(name)


# ----------------------------------------------------------------------------- client details

CLIENT_FIELDS = ("phone", "email", "contact", "address", "instructions", "language")


def set_client_details(store: Store, client_id: int, **values) -> Client:
    """Change a client's phone, email, contact person, address, payment-instructions
    override or language; None leaves a field as it is, '' clears it. Each value is
    checked first (ProfileError names the field); stored as one durable write."""
    c = store.clients.get(client_id)
    changes: dict = {}
    for k, v in values.items():
        if v is None:
            continue
        if k not in CLIENT_FIELDS:
            raise ProfileError(k, "not a client detail")
        if k == "phone":
            phone = clean_phone(v, c.region)
            changes["phones"] = ((phone,) + tuple(p for p in c.phones[1:] if p != phone)) if phone else c.phones[1:]
        elif k == "email":
            changes["email"] = clean_email(v)
        elif k == "language":
            try:
                changes["language"] = _msg().clean_language(v)
            except ValueError as e:
                raise ProfileError("language", str(e)) from None
        elif k in ("contact",):
            text = clean_text(k, v)
            if "\n" in text:
                raise ProfileError(k, "must be one line")
            changes[k] = text
        else:
            changes[k] = clean_text(k, v)
    if not changes:
        return c
    return store.clients.save(replace(c, **changes))


# -------------------------------------------------------------------------------- templates


def templates_dir() -> Path:
    """Where the owner's templates live: ``templates/`` in the configuration folder
    ($CALLROOM_CONFIG_DIR, else the platform's)."""
    return config_dir() / "templates"


@dataclass(frozen=True)
class TemplateState:
    kind: Kind
    path: Path | None  # the owner's file in use, or None (callroom's own wording)
    error: str = ""  # why the owner's file was refused (callroom's wording is used meanwhile)
    language: str = "en"  # the language of the wording in use


def load_template(kind: Kind, client: Client | None = None, profile: Profile | None = None) -> tuple[Template, TemplateState]:
    """The wording of a ``kind`` message to ``client``: the owner's file in the client's
    language (``KIND.de_AT.txt``, ``KIND.de.txt``), callroom's own in that language, the
    owner's ``KIND.txt`` (in the profile's language), and callroom's English, in that order.
    An owner's file that does not parse is reported (file, line, placeholder) and callroom's
    wording in the same language used meanwhile."""
    c = client or Client(None, "")
    p = profile or Profile()
    d = templates_dir()
    for name, language in _msg().template_order(kind, c, p):
        if name is None:
            return _msg().default_template(kind, language), TemplateState(kind, None, language=_msg().lang(language) or "en")
        path = d / name
        if not path.is_file():
            continue
        fallback = _msg().default_template(kind, language)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            return fallback, TemplateState(kind, path, f"{path}: cannot read it ({e}); the default is used", fallback.language)
        try:
            return _msg().parse_template(text, kind, str(path), language), TemplateState(kind, path, language=language)
        except _msg().TemplateError as e:
            return fallback, TemplateState(kind, path, f"{e}; the default is used until it is fixed", fallback.language)
    raise AssertionError("template_order ends with callroom's English wording")  # pragma: no cover


def template_states() -> list[TemplateState]:
    """Per kind: the wording used for a client with no language of their own, then that of
    every language the owner has a ``KIND.LANG.txt`` for, then callroom's own wording in
    each other language it ships."""
    d = templates_dir()
    prof = Profile()
    out = []
    for kind in _msg().Kind:
        _, state = load_template(kind, None, prof)
        out.append(state)
        tags = [x.name.split(".")[1] for x in sorted(d.glob(f"{kind.value}.*.txt"))] if d.is_dir() else []
        for tag in tags:
            _, st = load_template(kind, Client(None, "", language=tag), prof)
            if st.path == d / f"{kind.value}.{tag}.txt":
                out.append(st)
        for language in _msg().default_languages():
            if language not in tags and state.language != language:
                out.append(TemplateState(kind, None, language=language))
    return out


def write_default_templates(force: bool = False) -> list[tuple[Path, bool]]:
    """Write callroom's wording of each kind to the templates folder for editing, English as
    ``KIND.txt`` and every other language as ``KIND.LANG.txt``: (path, written). An existing
    file is kept unless ``force``."""
    d = templates_dir()
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise WriteError(f"cannot make {d}: {e.strerror or e}") from None
    out = []
    for language in _msg().default_languages():
        for kind in _msg().Kind:
            path = d / (f"{kind.value}.txt" if language == "en" else f"{kind.value}.{language}.txt")
            if path.exists() and not force:
                out.append((path, False))
                continue
            try:
                write_whole(path, TEMPLATES[language][kind.value].encode("utf-8"))
            except OSError as e:
                raise WriteError(f"cannot write {path}: {e.strerror or e}") from None
            out.append((path, True))
    return out


# -------------------------------------------------------------------------------- composing


@dataclass(frozen=True)
class Draft:
    """A composed message and where its wording came from (``warning``: a refused template)."""

    message: Message
    call_id: int | None
    warning: str = ""


def compose(store: Store, client_id: int, kind: Kind, today: date, *, call_id: int | None = None) -> Draft:
    """The message of ``kind`` for a client, from the ledger. MessageError (MissingProfile
    among them) says what is missing and how to add it."""
    cf = store.client_file(client_id)
    call = None
    if call_id is not None:
        call = next((c for c in cf.calls if c.id == call_id), None)
        if call is None:
            raise _msg().MessageError(f"no call #{call_id} for {cf.client.name}: `callroom history {cf.client.name!r}` lists the calls")
    profile = store.settings.profile
    facts = _msg().gather(kind, cf, profile, today, store.settings.policy, call=call,
                           written=store.written.for_client(client_id))
    template, state = load_template(kind, cf.client, profile)
    return Draft(_msg().compose(kind, facts, template), call_id, state.error)


def kind_after(call: Call) -> Kind:
    return _msg().kind_for_call(call)


def render(store: Store, message: Message, fmt: str, when: datetime) -> bytes:
    """The message as ``fmt`` (text, sms, eml, pdf). pdf.Refused / WriteError on text it cannot set."""
    if fmt == "text":
        return f"Subject: {message.subject}\n\n{message.body}".encode("utf-8")
    if fmt == "sms":
        return (message.sms + "\n").encode("utf-8")
    prof, lg = store.settings.profile, store.settings.logo
    if fmt == "eml":
        from ..documents import eml as eml_mod

        return eml_mod.to_bytes(message, prof, lg, when)
    if fmt == "pdf":
        from ..documents import pdf as pdf_mod  # here: fpdf takes a third of a second to import

        try:
            return pdf_mod.letter(message, prof, lg, when.date())
        except pdf_mod.Refused as e:
            raise WriteError(str(e)) from None
    raise WriteError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")


def mailto(message: Message) -> str:
    from ..documents import eml as eml_mod

    try:
        return eml_mod.mailto(message)
    except eml_mod.NoAddress as e:
        raise WriteError(str(e)) from None


def save(store: Store, message: Message, fmt: str, path: Path, clock: Clock, *, call_id: int | None = None,
         record: bool = True) -> Written | None:
    """Write the message to ``path`` (whole or not at all), then record it. Nothing is
    recorded when nothing was written (WriteError names the path)."""
    now = clock.now()
    data = render(store, message, fmt, now)
    target = Path(path).expanduser()
    if target.is_dir():
        raise WriteError(f"{target} is a folder; give a file name")
    try:
        write_whole(target, data)
    except OSError as e:
        raise WriteError(f"cannot write {target}: {e.strerror or e}") from None
    if not record:
        return None
    channel = {"text": "text", "sms": "sms", "eml": "eml", "pdf": "pdf"}[fmt]
    return record_written(store, message, channel, clock, call_id=call_id, file=str(target.resolve()))


def record_written(store: Store, message: Message, channel: str, clock: Clock, *, call_id: int | None = None,
                   file: str = "") -> Written:
    """Log a message that left (saved, copied, opened, printed) as a written contact."""
    if channel not in _msg().CHANNELS:
        raise WriteError(f"unknown channel {channel!r}")
    text = message.sms if channel == "sms" else message.body
    to = message.to if channel in ("mail", "eml") else (message.client.phone if channel == "sms" else "")
    w = Written(None, message.client.id, clock.now().replace(tzinfo=None, microsecond=0), message.kind.value, channel,
                subject=message.subject if channel != "sms" else "", text=text, to=to, call_id=call_id, file=file)
    return store.written.add(w)


def written_for(store: Store, client_id: int) -> list[Written]:
    return sorted(store.written.for_client(client_id), key=lambda w: (w.at, w.id or 0))


def all_written(store: Store) -> list[Written]:
    return sorted(store.written.all(), key=lambda w: (w.at, w.id or 0))


def default_name(message: Message, fmt: str, today: date) -> str:
    """'2026-11-23 Acme Ltd confirmation.pdf' (characters a file name cannot hold left out)."""
    safe = "".join(ch if ch.isalnum() or ch in " -_.&" else "_" for ch in message.client.name).strip(" ._") or "client"
    return f"{today.isoformat()} {safe[:60]} {message.kind.value}{EXTENSIONS[fmt]}"


class WritingDesk:
    """Part of :class:`callroom.services.Desk`: writing after the call."""

    store: Store
    clock: Clock

    @property
    def profile(self) -> Profile:
        return profile(self.store)

    @property
    def logo(self) -> Logo | None:
        return logo(self.store)

    def set_profile(self, **values) -> Profile:
        return set_profile(self.store, **values)

    def set_client_details(self, client_id: int, **values) -> Client:
        return set_client_details(self.store, client_id, **values)

    def compose(self, client_id: int, kind: Kind, *, call_id: int | None = None) -> Draft:
        return compose(self.store, client_id, kind, self.clock.today(), call_id=call_id)

    def render(self, message: Message, fmt: str) -> bytes:
        return render(self.store, message, fmt, self.clock.now())

    def save_message(self, message: Message, fmt: str, path: Path, *, call_id: int | None = None, record: bool = True) -> Written | None:
        return save(self.store, message, fmt, path, self.clock, call_id=call_id, record=record)

    def record_written(self, message: Message, channel: str, *, call_id: int | None = None, file: str = "") -> Written:
        return record_written(self.store, message, channel, self.clock, call_id=call_id, file=file)

    def written_for(self, client_id: int) -> list[Written]:
        return written_for(self.store, client_id)

    def kind_after(self, call: Call) -> Kind:
        """The message that follows a call."""
        return _msg().kind_for_call(call)

    def all_written(self) -> list[Written]:
        return all_written(self.store)


__all__ = [
    "FORMATS", "WriteError", "ProfileError", "MessageError", "Draft", "Kind", "profile", "logo", "set_profile",
    "set_client_details", "templates_dir", "load_template", "template_states", "write_default_templates",
    "compose", "render", "mailto", "save", "record_written", "written_for", "all_written", "default_name", "kind_after",
    "WritingDesk", "TemplateState", "Message", "MissingProfile", "TemplateError",
]
