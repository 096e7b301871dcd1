"""The seal beside the ledger: the last acknowledged write, so that a cut at a line boundary
is found; missing, foreign or behind, it is said once and written again; the crash windows
of a write and of a rewrite leave a file that opens."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from callroom.store import DamagedFileError, notices, open_store
from callroom.store.backups import list_backups, restore
from callroom.store.format import SLOT_SIZE, aux_line
from callroom.store.journal import Disk, open_db
from callroom.store.lookup import lines_after, tip_of
from callroom.store.seal import seal_path_for

from ledger_files import raw_lines, reseal, seal_tips, seq_of, tip_of_file, write_raw


@pytest.fixture
def path(tmp_path: Path) -> Path:
    p = tmp_path / "ledger.jsonl"
    with open_db(p) as db:
        db.table("calls").insert_multiple({"n": i} for i in range(5))
        db.table("calls").insert({"n": 5})
    return p


def _calls(p: Path, **kw) -> list[int]:
    with open_db(p, **kw) as db:
        return sorted(d.doc_id for d in db.table("calls"))


def test_every_append_moves_the_seal_to_the_files_end(path: Path):
    with open_db(path) as db:
        for i in range(3):
            db.table("calls").insert({"n": 10 + i})
            tips = [t for t in seal_tips(path) if t is not None]
            assert max(t.seq for t in tips) == seq_of(raw_lines(path)[-1])
            assert max(tips, key=lambda t: t.seq) == tip_of_file(path) == db.storage.tip
            # the slot before holds the write before: one write behind, never ahead
            assert sorted(t.seq for t in tips) == [tip_of_file(path).seq - 1, tip_of_file(path).seq]


def test_a_missing_seal_is_said_once_and_written_again(path: Path):
    seal_path_for(path).unlink()
    before = path.read_bytes()
    with open_db(path, read_only=True) as ro:
        [n] = ro.storage.notices
        assert n.kind == "unsealed" and "could not be detected" in n.text
    assert not seal_path_for(path).exists() and path.read_bytes() == before  # a reader writes nothing
    with open_db(path) as db:
        assert [n.kind for n in db.storage.notices] == ["unsealed"]
    assert seal_path_for(path).exists()
    with open_db(path) as db:
        assert db.storage.notices == []
    path.write_bytes(b"\n".join(raw_lines(path)[:-1]) + b"\n")  # and from now on a cut is found again
    with pytest.raises(DamagedFileError, match="cut short"):
        open_db(path)


def test_a_seal_of_another_ledger_is_said_once_and_replaced(path: Path, tmp_path: Path):
    other = tmp_path / "other.jsonl"
    with open_db(other) as db:
        db.table("calls").insert({"n": 1})
    shutil.copyfile(seal_path_for(other), seal_path_for(path))
    with open_db(path) as db:
        assert [n.kind for n in db.storage.notices] == ["foreign-seal"]
    with open_db(path) as db:
        assert db.storage.notices == []


def test_an_unreadable_seal_is_said_once_and_replaced(path: Path):
    seal_path_for(path).write_bytes(b"\0" * 2 * SLOT_SIZE)
    with open_db(path) as db:
        [n] = db.storage.notices
        assert n.kind == "foreign-seal" and "unreadable" in n.text
    assert _calls(path) == [1, 2, 3, 4, 5, 6]


def test_an_older_copy_of_the_ledger_put_back_by_hand_is_refused(path: Path, tmp_path: Path):
    with open_db(path) as db:
        db.compact()
    old = tmp_path / "old-copy.jsonl"
    shutil.copyfile(path, old)
    with open_db(path) as db:
        db.table("calls").insert({"n": 6})
        db.compact()
        db.table("calls").insert({"n": 7})
    shutil.copyfile(old, path)  # a sync tool, or a hand copy, puts yesterday's file back
    with pytest.raises(DamagedFileError) as err:
        open_db(path)
    assert err.value.line == 1 and "older copy of the ledger" in err.value.problem


def test_restore_puts_an_older_copy_back_with_its_own_seal(path: Path):
    with open_db(path) as db:
        db.compact()
        db.table("calls").insert({"n": 6})
        db.compact()
    backup = list_backups(path)[-1]  # the oldest: before the first compaction
    restore(path, backup)
    with open_db(path) as db:
        assert db.storage.notices == []
        assert sorted(d.doc_id for d in db.table("calls")) == [1, 2, 3, 4, 5, 6]
    assert tip_of(path) == tip_of_file(path)


def test_one_whole_line_past_the_seal_is_the_write_whose_seal_was_cut_off(path: Path):
    """A kill between a line's fsync and its seal's: the line is whole and checked, so it stays."""
    seal = seal_path_for(path).read_bytes()
    with open_db(path) as db:
        db.table("calls").insert({"n": 6})
    seal_path_for(path).write_bytes(seal)
    for read_only in (True, False):
        with open_db(path, read_only=read_only) as db:
            assert db.storage.notices == []
            assert sorted(d.doc_id for d in db.table("calls")) == [1, 2, 3, 4, 5, 6, 7]
    assert max(t.seq for t in seal_tips(path) if t) == seq_of(raw_lines(path)[-1])  # the writer caught it up


def test_a_slot_torn_by_a_power_cut_falls_back_on_the_other(path: Path):
    raw = bytearray(seal_path_for(path).read_bytes())
    latest = max(range(2), key=lambda i: seal_tips(path)[i].seq)
    raw[latest * SLOT_SIZE + 20] ^= 0xFF
    seal_path_for(path).write_bytes(bytes(raw))
    assert _calls(path) == [1, 2, 3, 4, 5, 6]
    with open_db(path) as db:
        assert db.storage.notices == []


def test_a_seal_put_back_from_an_older_copy_is_said_and_brought_up_to_date(path: Path):
    seal = seal_path_for(path).read_bytes()
    with open_db(path) as db:
        for i in range(3):
            db.table("calls").insert({"n": 10 + i})
    seal_path_for(path).write_bytes(seal)
    with open_db(path) as db:
        [n] = db.storage.notices
        assert n.kind == "seal-behind" and "3 more lines" in n.text
    with open_db(path) as db:
        assert db.storage.notices == []


def test_beside_a_writer_lines_and_bytes_past_the_seal_are_its_appends(path: Path):
    """A read-only open while the app writes: what it appends since the seal was read is no damage."""
    seal = seal_path_for(path).read_bytes()
    writer = open_db(path)
    try:
        for i in range(3):
            writer.table("calls").insert({"n": 10 + i})
        seal_path_for(path).write_bytes(seal)  # as if read before those appends
        with path.open("ab") as f:
            f.write(b'{"seq":99,"crc":"00000000","tx":[{"t"')  # an append in progress
        with open_db(path, read_only=True) as ro:
            assert ro.storage.notices == [] and ro.storage.torn_tail_bytes == 0
            assert len(ro.table("calls")) == 9
    finally:
        writer.storage._journal.tail_dirty = True  # the test's bytes: the writer cuts them before its next append
        writer.table("calls").insert({"n": 99})
        writer.close()
    assert _calls(path)[-1] == 10


def test_a_failed_rewrite_leaves_a_file_that_opens_with_its_own_seal(path: Path):
    class NoRename(Disk):
        def replace(self, src, dst):
            raise OSError(errno.EIO, os.strerror(errno.EIO))

    db = open_db(path, disk=NoRename())
    with pytest.raises(Exception, match="unchanged"):
        db.compact()
    db.table("calls").insert({"n": 6})  # appends carry on to the old file
    db.storage.close()
    with open_db(path) as again:
        assert again.storage.notices == [] and len(again.table("calls")) == 7


def test_a_kill_between_sealing_a_rewrite_and_its_rename_leaves_the_old_file_whole(path: Path):
    """The new file's tip is in the seal before the rename; the old file finds its own in the other slot."""
    class KilledBeforeRename(Disk):
        def replace(self, src, dst):
            raise SystemExit  # the process stops here: no clean-up runs in a kill

    before = path.read_bytes()
    db = open_db(path, disk=KilledBeforeRename())
    with pytest.raises(SystemExit):
        db.compact()
    db.storage._journal.seal = None  # as after a kill: the seal is not written again
    db.storage._journal.close()
    assert path.read_bytes() == before
    gens = sorted(t.gen for t in seal_tips(path) if t)
    assert gens == [1, 2]  # both files' tips are recorded
    with open_db(path) as again:
        assert again.storage.notices == [] and len(again.table("calls")) == 6


def test_lines_after_a_tip_bring_a_summary_up_to_date(path: Path):
    """For what is kept beside a ledger as of a tip (an index, a queue summary)."""
    with open_db(path) as db:
        tip = db.storage.tip
        db.table("calls").insert({"n": 6})
        db.table("calls").remove(doc_ids=[1])
    later = lines_after(path, tip)
    assert [line["tx"] for line in later] == [[{"t": "calls", "put": 7, "doc": {"n": 6}}], [{"t": "calls", "del": 1}]]
    assert lines_after(path, tip_of_file(path)) == []
    with open_db(path) as db:
        db.compact()  # another generation: the summary must be rebuilt
    assert lines_after(path, tip) is None
    tip = tip_of_file(path)
    lines = raw_lines(path)
    write_raw(path, lines[:-1] + [lines[-1].replace(b'"n":4', b'"n":9')])
    assert lines_after(path, tip) is None  # the tip's own line was changed since


def test_a_file_with_an_aux_line_opens_and_the_line_is_checked(path: Path):
    """A later release may keep a summary in the ledger as an aux line: this one skips it, checked."""
    lines = raw_lines(path)
    seq = seq_of(lines[-1]) + 1
    line = aux_line(seq, "queue-summary", {"as_of": "2026-11-23", "clients": [1, 2]})
    write_raw(path, lines + [line[:-1]])
    reseal(path)
    assert _calls(path) == [1, 2, 3, 4, 5, 6]
    with open_db(path) as db:
        db.table("calls").insert({"n": 6})
    assert _calls(path) == [1, 2, 3, 4, 5, 6, 7]
    flipped = raw_lines(path)
    flipped[-2] = flipped[-2].replace(b"2026-11-23", b"2026-11-24")
    write_raw(path, flipped)
    with pytest.raises(DamagedFileError, match="checksum"):
        open_db(path)


def test_the_seal_is_readable_text(path: Path):
    raw = seal_path_for(path).read_bytes()
    assert len(raw) == 2 * SLOT_SIZE
    for slot in (raw[:SLOT_SIZE], raw[SLOT_SIZE:]):
        crc, text = slot.rstrip().split(b" ", 1)
        assert set(json.loads(text)) == {"ledger", "gen", "seq", "length", "crc"}


def test_open_store_gives_the_notices_to_its_caller(ledger: Path):
    seal_path_for(ledger).unlink()
    store = open_store(ledger, read_only=True)
    try:
        assert [n.kind for n in notices(store)] == ["unsealed"]
    finally:
        store.close()


def test_an_emptied_ledger_is_refused_not_started_afresh(path: Path):
    path.write_bytes(b"")  # a full disk in another program, a bad copy
    for read_only in (True, False):
        with pytest.raises(DamagedFileError) as err:
            open_db(path, read_only=read_only)
        assert err.value.line == 1 and "the file is empty" in err.value.problem
    assert path.read_bytes() == b""


def test_a_missing_ledger_beside_its_seal_is_not_started_afresh(path: Path):
    path.unlink()
    with pytest.raises(Exception, match="is missing, but ledger.jsonl.seal beside it says") as err:
        open_db(path)
    assert "callroom restore" in str(err.value) and not path.exists()
    seal_path_for(path).unlink()  # the owner's choice: start a new ledger
    with open_db(path) as db:
        assert db.tables() == set()


def test_a_copy_in_the_old_format_put_in_place_of_a_sealed_ledger_is_refused(path: Path):
    fixture = Path(__file__).parent / "fixtures" / "ledger-0.1.jsonl"
    shutil.copyfile(fixture, path)
    with pytest.raises(DamagedFileError) as err:
        open_db(path)
    assert "format of an earlier callroom" in err.value.problem and str(seal_path_for(path)) in err.value.problem


def test_a_kill_between_a_conversion_and_its_seal_leaves_a_file_that_opens(tmp_path: Path):
    """A new ledger's (or a converted one's) seal is written just after the rename."""
    fixture = Path(__file__).parent / "fixtures" / "ledger-0.1.jsonl"
    p = tmp_path / "ledger.jsonl"
    shutil.copyfile(fixture, p)

    class KilledAfterRename(Disk):
        def pwrite(self, fd, data, offset):
            if os.readlink(f"/proc/self/fd/{fd}").endswith(".seal"):
                raise SystemExit  # the process stops before the seal is written
            return super().pwrite(fd, data, offset)

    with pytest.raises(SystemExit):
        open_db(p, disk=KilledAfterRename())
    import gc

    gc.collect()  # the killed writer's descriptors and lock go, as with a real kill
    with open_db(p) as db:
        assert [n.kind for n in db.storage.notices] in (["unsealed"], ["foreign-seal"])
        assert len(db.table("calls")) == 9


def test_a_seal_write_that_fails_is_taken_back_with_the_line(path: Path):
    """The line is cut off again and the seal's slot given back its tip: the next open finds
    no tip ahead of the file (which would read as a cut)."""
    class SealFails(Disk):
        def __init__(self):
            self.fail = False

        def fdatasync(self, fd):
            if self.fail:
                raise OSError(errno.EIO, os.strerror(errno.EIO))
            super().fdatasync(fd)

    disk = SealFails()
    db = open_db(path, disk=disk)
    before = path.read_bytes()
    disk.fail = True
    with pytest.raises(Exception, match="Input/output error"):
        db.table("calls").insert({"n": 6})
    assert path.read_bytes() == before
    disk.fail = False
    db.storage.close()
    with open_db(path) as again:
        assert again.storage.notices == [] and len(again.table("calls")) == 6


def test_beside_a_writer_a_compaction_between_the_seal_and_the_file_is_no_notice(path: Path):
    seal = seal_path_for(path).read_bytes()
    writer = open_db(path)
    try:
        writer.compact()
        writer.table("calls").insert({"n": 6})
        seal_path_for(path).write_bytes(seal)  # as if read just before the compaction
        with open_db(path, read_only=True) as ro:
            assert ro.storage.notices == [] and len(ro.table("calls")) == 7
    finally:
        writer.storage.close()
    with open_db(path, read_only=True) as ro:  # nobody writing: the stale seal is said
        assert [n.kind for n in ro.storage.notices] == ["foreign-seal"]
