"""A damaged or hand-edited ledger: named (file, line, record), never written, and its
readable part offered read-only; bad command lines never touch the ledger either."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from callroom.cli import salvage as cli_salvage
from callroom.cli import main
from callroom.domain.codes import Result
from callroom.store import DamagedFileError, notices, open_store, problems
from callroom.store.seal import seal_path_for
from callroom.store.backups import backups_dir
from callroom.store.journal import open_db
from callroom.ui.app import CallroomApp
from callroom.ui.session import SessionScreen

from ledger_files import write_sealed
from support import TODAY



def read_lines(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    assert raw.endswith(b"\n")
    return raw[:-1].split(b"\n")


def write_lines(path: Path, lines: list[bytes], end: bytes = b"\n") -> bytes:
    data = b"\n".join(lines) + end
    path.write_bytes(data)
    return data


def last_put(lines: list[bytes], table: str, skip: int = 0) -> tuple[int, int]:
    """(line number, doc id) of the last journal put into ``table`` (``skip`` more before it)."""
    found = []
    for n, line in enumerate(lines, 1):
        obj = json.loads(line)
        for op in obj.get("tx", []):
            if op.get("t") == table and "put" in op:
                found.append((n, op["put"]))
    return found[-1 - skip]


def edit_doc(lines: list, number: int, table: str, doc_id: int, change) -> None:
    """Apply ``change(doc)`` to the document ``doc_id`` of ``table`` written on line ``number``
    (the line becomes a JSON object, for :func:`write_sealed`: a faulty program wrote it, with
    a correct checksum, so that only the record is wrong)."""
    obj = json.loads(lines[number - 1])
    if "tx" in obj:
        docs = [op["doc"] for op in obj["tx"] if op.get("t") == table and op.get("put") == doc_id]
    else:
        docs = [obj["docs"][str(doc_id)]]
    for doc in docs:
        change(doc)
    lines[number - 1] = obj


def cli(path: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(path), "--as-of", TODAY.isoformat(), *args], input=input)


# -- the kinds of damage -------------------------------------------------------------


def _truncated(path: Path) -> tuple[int, str]:
    """The file ends in the middle of its last snapshot line (someone copied part of it)."""
    with open_db(path) as db:
        db.compact()
    lines = read_lines(path)
    assert all(b',"table":' in line[:40] for line in lines[1:])
    write_lines(path, lines[:-1] + [lines[-1][: len(lines[-1]) // 2]], end=b"")
    return len(lines), "cut short"


def _hand_edit(path: Path) -> tuple[int, str]:
    lines = read_lines(path)
    assert b',"tx":[{' in lines[3][:40]
    lines[3] = lines[3].replace(b'"tx":[{', b'"tx":[{,', 1)  # a stray comma, as a hand edit leaves
    write_lines(path, lines)
    return 4, "the checksum does not match"


def _missing_field(path: Path) -> tuple[int, str]:
    lines = read_lines(path)
    number, doc_id = last_put(lines, "invoices")
    edit_doc(lines, number, "invoices", doc_id, lambda d: d.pop("number"))
    write_sealed(path, lines)
    return number, f"invoice #{doc_id}: missing field 'number'"


def _wrong_type(path: Path) -> tuple[int, str]:
    lines = read_lines(path)
    number, doc_id = last_put(lines, "calls")
    edit_doc(lines, number, "calls", doc_id, lambda d: d.update(at=20261101))
    write_sealed(path, lines)
    return number, f"call #{doc_id}: field 'at': wrong type"


def _float_money_in_a_snapshot(path: Path) -> tuple[int, str]:
    with open_db(path) as db:
        db.compact()
    lines = read_lines(path)
    number = next(n for n, line in enumerate(lines, 1) if b',"table":"promises"' in line[:60])
    edit_doc(lines, number, "promises", 1, lambda d: d.update(amount=3325.5))
    write_sealed(path, lines)
    return number, "promise #1: field 'amount': wrong type"


def _unknown_code(path: Path) -> tuple[int, str]:
    lines = read_lines(path)
    number, doc_id = last_put(lines, "calls")
    edit_doc(lines, number, "calls", doc_id, lambda d: d.update(result="maybe"))
    write_sealed(path, lines)
    return number, f"call #{doc_id}: field 'result': not one of"


def _impossible_date(path: Path) -> tuple[int, str]:
    lines = read_lines(path)
    number, doc_id = last_put(lines, "invoices")
    edit_doc(lines, number, "invoices", doc_id, lambda d: d.update(due="2026-02-31"))
    write_sealed(path, lines)
    return number, f"invoice #{doc_id}: field 'due': not a date"


def _cut_at_a_line_end(path: Path) -> tuple[int, str]:
    """A copy that stopped between two lines: every line left is whole."""
    lines = read_lines(path)
    write_lines(path, lines[: len(lines) // 2])
    return len(lines) // 2 + 1, "the file is cut short"


def _bad_policy(path: Path) -> tuple[int, str]:
    store = open_store(path)
    store.settings.set(policy={"hold_days": "three"})
    store.close()
    return len(read_lines(path)), "settings #1: policy field 'hold_days': wrong type"


DAMAGE = {
    "truncated": _truncated,
    "cut at the end of a line": _cut_at_a_line_end,
    "a hand edit mid-file": _hand_edit,
    "a record missing a field": _missing_field,
    "a wrong type": _wrong_type,
    "money as a float in a snapshot": _float_money_in_a_snapshot,
    "an unknown result code": _unknown_code,
    "an impossible date": _impossible_date,
    "a policy of the wrong type": _bad_policy,
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damage_is_named_with_file_line_and_record_and_never_written(ledger: Path, case: str):
    line, words = DAMAGE[case](ledger)
    before, kept = ledger.read_bytes(), sorted(backups_dir(ledger).glob("*"))
    for read_only in (False, True):
        with pytest.raises(DamagedFileError) as err:
            open_store(ledger, read_only=read_only)
        message = str(err.value)
        assert message.startswith(f"{ledger}: line {line}: ") and words in message, message
        assert "has not been changed" in message and "--salvage" in message and "callroom backups" in message
        assert err.value.line == line
    # Through the command line: one clear line, exit 1, the file untouched, no backup, no lock left.
    r = cli(ledger, "clients")
    assert r.exit_code == 1 and not isinstance(r.exception, DamagedFileError)
    assert str(ledger) in r.output and f"line {line}" in r.output and words in r.output
    r = cli(ledger, "log", "Delgado", "--result", "voicemail")
    assert r.exit_code == 1 and words in r.output
    assert ledger.read_bytes() == before
    assert sorted(backups_dir(ledger).glob("*")) == kept  # the damaged file is not even copied
    with pytest.raises(DamagedFileError):  # not LockedError: the failed open let go of the lock
        open_store(ledger)
    assert ledger.read_bytes() == before


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_salvage_opens_the_readable_part_read_only(ledger: Path, case: str):
    healthy = open_store(ledger, read_only=True)
    names = {c.name for c in healthy.clients.all()}
    invoices, calls = healthy.ledger.invoices.count(), healthy.calls.count()
    healthy.close()
    line, words = DAMAGE[case](ledger)
    before = ledger.read_bytes()

    store = open_store(ledger, salvage=True)
    try:
        assert store.read_only
        found = problems(store)
        assert found and found[0].line == line and words in found[0].what
        # Everything else is there: at most the damaged line's records are missing.
        assert store.clients.count() > 0
        lost = (invoices - store.ledger.invoices.count()) + (calls - store.calls.count())
        assert lost >= 0
        if case in ("a record missing a field", "an impossible date"):
            assert lost == 1 and {c.name for c in store.clients.all()} == names
        if case in ("a wrong type", "an unknown result code"):
            assert lost == 1
    finally:
        store.close()

    r = cli(ledger, "--salvage", "clients")
    assert r.exit_code == 0, r.output
    assert "is damaged" in r.output and f"line {line}" in r.output and "read-only" in r.output
    assert "Northgate Self Storage" in r.output or case in ("truncated", "cut at the end of a line")
    r = cli(ledger, "--salvage", "log", "Delgado", "--result", "voicemail")
    assert r.exit_code == 1 and "read-only" in r.output
    assert ledger.read_bytes() == before


def test_the_owner_is_asked_at_a_terminal_and_no_is_the_default(ledger: Path, monkeypatch):
    line, words = _missing_field(ledger)
    before = ledger.read_bytes()
    monkeypatch.setattr(cli_salvage, "_interactive", lambda: True)

    r = cli(ledger, "clients", input="\n")  # Enter: the default, no
    assert r.exit_code == 1
    assert f"line {line}: {words}" in r.output and "Open the readable part read-only? [y/N]" in r.output
    assert "Nothing was opened" in r.output and "Northgate" not in r.output

    r = cli(ledger, "clients", input="y\n")
    assert r.exit_code == 0 and "Northgate Self Storage" in r.output and "Opened read-only" in r.output
    assert ledger.read_bytes() == before


def test_without_a_terminal_the_message_says_how_to_salvage(ledger: Path):
    _missing_field(ledger)
    r = cli(ledger, "queue")
    assert r.exit_code == 1 and "--salvage" in r.output and "[y/N]" not in r.output


def test_a_file_with_nothing_readable_is_refused_without_an_offer(tmp_path: Path, monkeypatch):
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b"\x00\xff garbage, not a ledger\n")
    monkeypatch.setattr(cli_salvage, "_interactive", lambda: True)
    r = cli(path, "clients", input="y\n")
    assert r.exit_code == 1 and str(path) in r.output and "line 1" in r.output and "[y/N]" not in r.output
    assert path.read_bytes() == b"\x00\xff garbage, not a ledger\n"


def test_a_torn_last_line_is_not_damage_only_the_unacknowledged_write_is_missing(ledger: Path):
    """A crash mid-append leaves a torn last line: never acknowledged; set aside and said once."""
    store = open_store(ledger, read_only=True)
    calls = store.calls.count()
    store.close()
    acknowledged = ledger.read_bytes()
    seal = seal_path_for(ledger).read_bytes()
    torn = b'{"seq":999,"crc":"12345678","tx":[{"t":"calls","put":77,"doc":{"client_id":1,"no'
    ledger.write_bytes(acknowledged + torn)
    store = open_store(ledger)  # writable: the bytes are set aside, then cut off
    [notice] = notices(store)
    assert store.calls.count() == calls and problems(store) == []
    assert notice.kind == "torn" and notice.path.read_bytes() == torn and str(notice.path) in notice.text
    assert ledger.read_bytes() == acknowledged and seal_path_for(ledger).read_bytes() == seal
    store.calls.add(store.calls.all()[0].with_(id=None, note="after the crash"))
    store.close()
    assert ledger.read_bytes().startswith(acknowledged) and torn not in ledger.read_bytes()
    store = open_store(ledger, read_only=True)
    assert store.calls.all()[-1].note == "after the crash" and notices(store) == []
    store.close()


async def test_the_app_runs_on_a_salvaged_ledger_and_writes_nothing(ledger: Path, clock):
    _wrong_type(ledger)
    before = ledger.read_bytes()
    store = open_store(ledger, salvage=True)
    app = CallroomApp(store, clock=clock, ticker=lambda: 0.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        s = app.screen
        assert isinstance(s, SessionScreen) and s.session is None
        await pilot.press("v", "enter")
        await pilot.pause()
        assert s.index == 0 and "read-only" in s.error and s.slot.draft.result is Result.VOICEMAIL
        await pilot.press("q", "y")
        await pilot.pause()
    store.close()
    assert ledger.read_bytes() == before


def test_a_damaged_file_held_by_nobody_is_not_reported_as_locked(ledger: Path):
    _missing_field(ledger)
    for _ in range(3):
        with pytest.raises(DamagedFileError):
            open_store(ledger)
    holder = open_store(ledger, salvage=True)  # read-only: takes no lock
    try:
        with pytest.raises(DamagedFileError):
            open_store(ledger)
    finally:
        holder.close()


# -- bad command lines never touch the ledger -----------------------------------------


BAD_ARGS = [
    (["log", "Delgado", "--result", "reached", "--outcome", "plan", "--count", "many"], "count"),
    (["log", "Delgado", "--result", "reached", "--outcome", "plan", "--frequency", "yearly"], "yearly"),
    (["log", "Delgado", "--reslt", "reached"], "--reslt"),
    (["log", "Delgado"], "--result"),
    (["log", "Nobody At All", "--result", "voicemail"], "no client matches"),
    (["log", "a", "--result", "voicemail"], "matches"),
    (["log", "Delgado", "--result", "reached", "--outcome", "promise", "--amount", "1e400"], "too large"),
    (["log", "Delgado", "--result", "reached", "--outcome", "promise", "--date", "31/02/2026"], "date"),
    (["log", "Delgado", "--result", "reached", "--note", "x" * 5000], "4,000"),
    (["--as-of", "2026-13-01", "queue"], "--as-of"),
    (["--minutes", "1"], "--minutes"),
    (["settings", "--currency", "dollars"], "--currency"),
    (["settings", "--hours", "9-5"], "--hours"),
    (["settings", "--min-days", "-3"], "--min-days"),
    (["import", "--map", "balance", "nofile.csv"], "nofile.csv"),
    (["restore", "--read-only", "1"], "read-only"),
    (["restore", "42"], "No backup '42'"),
    (["frobnicate"], "No such command"),
]


def _id(case) -> str:
    args = case.values[0] if hasattr(case, "values") else case[0]
    return " ".join(args)[:40]


@pytest.mark.parametrize("args, words", BAD_ARGS, ids=[_id(c) for c in BAD_ARGS])
def test_a_bad_command_line_says_why_exits_non_zero_and_stores_nothing(ledger: Path, args, words):
    before = ledger.read_bytes()
    r = CliRunner().invoke(main, ["--db", str(ledger), *args])
    assert r.exit_code != 0
    assert words in r.output, r.output
    assert "Traceback" not in r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert ledger.read_bytes() == before
    assert not backups_dir(ledger).exists()
