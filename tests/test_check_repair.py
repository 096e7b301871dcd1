"""`callroom check` reports every damaged place (exit 0 whole, 1 damaged); `callroom repair`
shows what it keeps and drops, asks, keeps the damaged file as a backup and writes the
repaired one atomically. Any other command refuses a damaged ledger naming the line; an
unfinished last write is set aside, said on stderr, and the command goes on (exit 0)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from callroom.cli import integrity as cli_integrity
from callroom.cli import main
from callroom.store import DamagedFileError, open_store
from callroom.store.backups import backups_dir, list_backups
from callroom.store.lock import WriterLock
from callroom.store.seal import seal_path_for

from ledger_files import raw_lines, write_raw, write_sealed
from support import TODAY


def cli(path: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--db", str(path), "--as-of", TODAY.isoformat(), *args], input=input)


def flip(path: Path, line: int, at: int = 60) -> None:
    lines = raw_lines(path)
    b = lines[line - 1]
    lines[line - 1] = b[:at] + bytes([b[at] ^ 0x20]) + b[at + 1:]
    write_raw(path, lines)


def counts(path: Path) -> dict[str, int]:
    store = open_store(path, read_only=True)
    try:
        data = store.db.storage.read()
        return {name: len(data.get(name) or {}) for name in ("clients", "invoices", "calls", "promises", "payments")}
    finally:
        store.close()


@pytest.fixture
def compacted(ledger: Path) -> Path:
    """The demo ledger as after a session: a snapshot, then calls logged one line each."""
    store = open_store(ledger)
    store.db.compact()
    for i in range(3):
        store.calls.add(store.calls.all()[0].with_(id=None, note=f"later call {i}"))
    store.close()
    return ledger


def test_check_says_whole_and_counts_what_it_holds(compacted: Path):
    r = cli(compacted, "check")
    assert r.exit_code == 0, r.output
    assert "is whole" in r.output and "25 clients, 60 invoices, 1 payment, 11 calls, 5 promises" in r.output
    assert compacted.read_bytes() == compacted.read_bytes()


def test_check_lists_every_damaged_place_and_exits_1(compacted: Path):
    lines = raw_lines(compacted)
    snap = next(n for n, line in enumerate(lines, 1) if b'"table":"invoices"' in line[:60])
    flip(compacted, snap)
    flip(compacted, len(lines) - 1)  # the second-to-last call
    before = compacted.read_bytes()
    r = cli(compacted, "check")
    assert r.exit_code == 1
    found = re.findall(r"^  line (\d+): (.*)$", r.output, re.M)
    assert [(int(n), what.split(":")[0]) for n, what in found] == [
        (snap, "the checksum does not match"),
        (len(lines) - 1, "the checksum does not match"),
        (len(lines) - 1, "1 later journal line left out")]
    assert "What can be trusted: 25 clients, 0 invoices" in r.output and "callroom repair" in r.output
    assert compacted.read_bytes() == before

    r = cli(compacted, "check", "--json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    assert report["whole"] is False and [p["line"] for p in report["problems"]] == [snap, len(lines) - 1, len(lines) - 1]
    assert report["counts"]["calls"] == 9  # the flipped call and the one after it are not trusted


def test_check_names_records_that_do_not_fit_their_model(compacted: Path):
    lines = raw_lines(compacted)
    objs = [json.loads(line) for line in lines]
    objs[-1]["tx"][0]["doc"]["result"] = "maybe"
    write_sealed(compacted, objs)
    r = cli(compacted, "check")
    assert r.exit_code == 1
    assert f"line {len(lines)}: call #" in r.output and "field 'result': not one of" in r.output


def test_every_command_refuses_a_damaged_ledger_naming_the_line(compacted: Path):
    lines = raw_lines(compacted)
    write_raw(compacted, lines[:-2])  # a copy that stopped two lines short: every line left is whole
    before = compacted.read_bytes()
    for args in (["queue"], ["clients"], ["history", "Northgate"], ["log", "Northgate", "--result", "voicemail"],
                 ["report"], ["backups"], ["check"]):
        r = cli(compacted, *args)
        if args == ["backups"]:
            assert r.exit_code == 0  # lists the backups; the ledger itself is not read
            continue
        assert r.exit_code != 0, args
        assert f"line {len(lines) - 1}" in r.output and "cut short" in r.output, (args, r.output)
    assert compacted.read_bytes() == before


def test_a_cut_in_the_middle_of_an_import_is_refused_not_half_read(ledger: Path, tmp_path: Path):
    """The import is one transaction line: cut inside it, the file is refused, not opened as if
    the import never happened (which used to end in 'no client matches')."""
    from callroom.services import apply_import
    from callroom.importers import parse_file
    from callroom.importers.reconcile import plan_import

    csv = tmp_path / "more.csv"
    csv.write_text("Customer,Invoice,Date,Due Date,Amount,Balance\nDelgado Orchards,D-1,2026-09-01,2026-10-01,500.00,500.00\n")
    store = open_store(ledger)
    before = ledger.stat().st_size
    plan = plan_import([parse_file(csv)], store.clients.all(), store.ledger.all_invoices(), as_of=TODAY, full=False,
                       default_currency="USD")
    apply_import(store, plan)
    store.close()
    size = ledger.stat().st_size
    with ledger.open("r+b") as f:
        f.truncate(before + (size - before) // 2)
    r = cli(ledger, "log", "Delgado", "--result", "voicemail")
    assert r.exit_code == 1 and "cut short" in r.output and "no client matches" not in r.output


def test_an_unfinished_last_write_is_set_aside_said_on_stderr_and_the_command_goes_on(compacted: Path):
    acknowledged = compacted.read_bytes()
    torn = b'{"seq":999,"crc":"0badcafe","tx":[{"t":"calls","put":12,"doc":{"client_id":1,"at":"2026-11'
    compacted.write_bytes(acknowledged + torn)
    r = cli(compacted, "log", "Northgate", "--result", "voicemail")
    assert r.exit_code == 0, r.output
    assert "was never finished" in r.stderr and f"{len(torn)} bytes" in r.stderr
    [kept] = backups_dir(compacted).glob("*.bytes")
    assert str(kept) in r.stderr and kept.read_bytes() == torn
    assert compacted.read_bytes().startswith(acknowledged) and torn not in compacted.read_bytes()
    r = cli(compacted, "queue")
    assert r.exit_code == 0 and r.stderr == ""  # said once


def test_a_read_only_command_sets_the_bytes_aside_too_and_leaves_the_ledger(compacted: Path):
    acknowledged = compacted.read_bytes()
    torn = b"\0" * 512
    compacted.write_bytes(acknowledged + torn)
    r = cli(compacted, "queue")
    assert r.exit_code == 0
    assert "512 zero bytes" in r.stderr and "next opened for writing" in r.stderr
    assert compacted.read_bytes() == acknowledged + torn
    r = cli(compacted, "check")
    assert r.exit_code == 0 and "never finished" in r.stderr


def test_repair_shows_what_it_keeps_and_drops_asks_and_keeps_the_damaged_file(compacted: Path, monkeypatch):
    monkeypatch.setattr(cli_integrity, "_interactive", lambda: True)
    lines = raw_lines(compacted)
    lines[-3] = lines[-3].replace(b"later call 0", b"later cell 0")  # the first of the three later calls:
    write_raw(compacted, lines)                                        # it and the two after are dropped
    damaged = compacted.read_bytes()

    r = cli(compacted, "repair", input="\n")  # Enter: the default, no
    assert r.exit_code == 1 and "Nothing was changed" in r.output
    assert "keeps:  25 clients, 60 invoices, 1 payment, 8 calls, 5 promises" in r.output
    assert "drops:         0 clients, 0 invoices, 0 payments, 3 calls, 0 promises" in r.output
    assert "Repair the ledger now?" in r.output and "[y/N]" in r.output
    assert compacted.read_bytes() == damaged and list_backups(compacted) == [b for b in list_backups(compacted) if b.reason != "repair"]

    r = cli(compacted, "repair", input="y\n")
    assert r.exit_code == 0, r.output
    [kept] = [b for b in list_backups(compacted) if b.reason == "repair"]
    assert kept.path.read_bytes() == damaged and str(kept.path) in r.output
    assert counts(compacted)["calls"] == 8
    r = cli(compacted, "check")
    assert r.exit_code == 0 and "is whole" in r.output
    assert not list(compacted.parent.glob(".*.tmp"))


def test_repair_keeps_every_intact_snapshot_line(compacted: Path):
    lines = raw_lines(compacted)
    snap = next(n for n, line in enumerate(lines, 1) if b'"table":"promises"' in line[:60])
    flip(compacted, snap)
    r = cli(compacted, "repair", "--yes")
    assert r.exit_code == 0, r.output
    assert "drops:         0 clients, 0 invoices, 0 payments, 0 calls, 5 promises" in r.output
    assert counts(compacted) == {"clients": 25, "invoices": 60, "calls": 11, "promises": 0, "payments": 1}


def test_repair_of_a_cut_counts_the_line_it_cannot_read(compacted: Path):
    size = compacted.stat().st_size
    with compacted.open("r+b") as f:
        f.truncate(size - 40)
    r = cli(compacted, "repair", "--yes")
    assert r.exit_code == 0 and "and 1 line that cannot be read at all" in r.output, r.output
    assert counts(compacted)["calls"] == 10


def test_repair_without_a_terminal_needs_yes(compacted: Path):
    flip(compacted, 3)
    before = compacted.read_bytes()
    r = cli(compacted, "repair")
    assert r.exit_code == 1 and "--yes" in r.output and compacted.read_bytes() == before


def test_repair_refuses_while_callroom_has_the_ledger_open(compacted: Path):
    flip(compacted, 3)
    lock = WriterLock(compacted, "callroom")
    lock.acquire()
    try:
        r = cli(compacted, "repair", "--yes")
    finally:
        lock.release()
    assert r.exit_code == 1 and "open in another callroom" in r.output and "Nothing was changed" in r.output


def test_repair_of_a_whole_ledger_changes_nothing_but_what_an_open_would(compacted: Path):
    before = compacted.read_bytes()
    r = cli(compacted, "repair", "--yes")
    assert r.exit_code == 0 and "Nothing to repair" in r.output
    assert compacted.read_bytes() == before
    seal_path_for(compacted).unlink()
    r = cli(compacted, "repair", "--yes")
    assert r.exit_code == 0 and "no record of" in r.stderr.lower()
    assert seal_path_for(compacted).exists()


def test_the_damage_message_offers_check_salvage_and_repair(compacted: Path):
    flip(compacted, 2)
    with pytest.raises(DamagedFileError) as err:
        open_store(compacted)
    text = str(err.value)
    assert "callroom check" in text and "callroom repair" in text and "--salvage" in text
    r = cli(compacted, "--salvage", "clients")
    assert r.exit_code == 0 and "callroom repair" in r.stderr


def test_records_of_clients_lost_with_the_damage_are_not_kept_as_invisible_orphans(compacted: Path):
    lines = raw_lines(compacted)
    clients = next(n for n, line in enumerate(lines, 1) if b'"table":"clients"' in line[:60])
    lines[clients - 1] = lines[clients - 1].replace(b"Northgate", b"Northgatf", 1)
    write_raw(compacted, lines)
    r = cli(compacted, "check")
    assert r.exit_code == 1 and "What can be trusted: 0 clients, 0 invoices, 0 payments, 0 calls, 0 promises" in r.output
    r = cli(compacted, "repair", "--yes")
    assert r.exit_code == 0, r.output
    assert "drops:         25 clients, 60 invoices, 1 payment, 11 calls, 5 promises" in r.output
    assert "records of clients lost with them" in r.output
    assert counts(compacted) == {"clients": 0, "invoices": 0, "calls": 0, "promises": 0, "payments": 0}
