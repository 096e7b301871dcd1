"""The zone book (each phone number's time zone worked out once) and its cache between runs."""

from __future__ import annotations

import json

import phonenumbers
import pytest

from callroom import zonecache
from callroom.domain import phones
from callroom.domain.phones import ZoneBook
from callroom.services import Desk

NUMBERS = [("+1 415 555 0147", "US"), ("+44 20 7946 0958", "GB"), ("030 901820", "DE"), ("", "US"), ("not a number", "FR")]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("CALLROOM_CACHE_DIR", str(folder))
    monkeypatch.setattr(zonecache, "_loaded", set())
    return folder


def test_the_book_gives_what_zone_of_gives_and_works_each_number_out_once():
    book = ZoneBook()
    for raw, region in NUMBERS:
        assert book(raw, region) == phones.zone_of(raw, region)
    assert book.added == len(NUMBERS)
    for raw, region in NUMBERS:
        book(raw, region)
    assert book.added == len(NUMBERS)  # nothing worked out twice
    assert book("+1 415 555 0147", "US") == "America/Los_Angeles"


def test_a_zone_learnt_from_an_earlier_run_is_used_without_working_it_out():
    book = ZoneBook()
    book.learn({ZoneBook.key("+1 415 555 0147", "US"): "Pacific/Auckland"})  # what the cache said
    assert book("+1 415 555 0147", "US") == "Pacific/Auckland"
    assert book.added == 0
    # The same number from another region is another number.
    assert book("+1 415 555 0147", "GB") == "America/Los_Angeles"
    assert book.added == 1


def test_the_book_ignores_cache_entries_that_are_not_zones():
    book = ZoneBook()
    book.learn({ZoneBook.key("+1 415 555 0147", "US"): 42, 7: "Europe/Paris"})  # type: ignore[dict-item]
    assert book("+1 415 555 0147", "US") == "America/Los_Angeles"
    assert book.known() == {ZoneBook.key("+1 415 555 0147", "US"): "America/Los_Angeles"}


def test_the_cache_round_trips_and_names_no_phone_number(cache):
    book = ZoneBook()
    for raw, region in NUMBERS:
        book(raw, region)
    zonecache.save(book)
    assert book.added == 0
    files = list(cache.iterdir())
    assert [f.name for f in files] == [f"zones-{phonenumbers.__version__}.json"]
    text = files[0].read_text()
    assert "415" not in text and "7946" not in text and "+1" not in text
    assert json.loads(text) == book.known()

    later = ZoneBook()  # the next run
    zonecache.load(later)
    for raw, region in NUMBERS:
        assert later(raw, region) == phones.zone_of(raw, region)
    assert later.added == 0


def test_nothing_new_writes_nothing(cache):
    zonecache.save(ZoneBook())
    assert not cache.exists()


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_damaged_cache_is_ignored_and_replaced(cache, content):
    cache.mkdir()
    path = cache / f"zones-{phonenumbers.__version__}.json"
    path.write_bytes(content)
    book = ZoneBook()
    zonecache.load(book)
    assert book("+1 415 555 0147", "US") == "America/Los_Angeles"
    zonecache.save(book)
    assert json.loads(path.read_text()) == book.known()
    assert [p.name for p in cache.iterdir()] == [path.name]  # no temporary file left


def test_a_cache_folder_that_cannot_be_written_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CALLROOM_CACHE_DIR", str(blocker / "sub"))  # a file where the folder would go
    book = ZoneBook()
    book("+1 415 555 0147", "US")
    zonecache.save(book)
    assert book.added == 1  # still to be saved next time


def test_a_queue_build_keeps_the_zones_for_the_next_run(cache, demo_store, clock):
    phones.ZONES.forget()  # as in a new process
    try:
        q = Desk(demo_store, clock).queue()
        assert q.entries
        kept = json.loads(next(cache.iterdir()).read_text())
        clients = {c.id: c for c in demo_store.clients.all()}
        for e in q.entries:
            c = clients[e.client_id]
            assert kept[ZoneBook.key(c.phone, c.region)] == phones.zone_of(c.phone, c.region)

        # The next run reads them from the cache: a zone planted there is the one used.
        phones.ZONES.forget()
        zonecache._loaded.clear()
        first = clients[q.entries[0].client_id]
        kept[ZoneBook.key(first.phone, first.region)] = "Pacific/Kiritimati"  # UTC+14
        next(cache.iterdir()).write_text(json.dumps(kept))
        q2 = Desk(demo_store, clock).queue()
        moved = next(e for e in q2.entries if e.client_id == first.id)
        assert str(moved.local.tzinfo) == "Pacific/Kiritimati"
    finally:
        phones.ZONES.forget()


def test_what_is_known_can_be_saved_while_zones_are_still_being_worked_out(monkeypatch):
    """The zones are saved (callroom.zonecache) while the ledger's check, in its thread, may be
    working out more: the book's memo grows while it is read. Here a zone is worked out while
    each entry's key is made (what a thread switch there would do)."""
    book = ZoneBook()
    book("+1 212 555 0147", "US")
    book("+64 9 555 0147", "NZ")
    key = ZoneBook.key
    more = iter(["+44 20 7946 0147", "+61 2 5550 1234"])

    def busy(raw, region):
        nxt = next(more, None)
        if nxt is not None:
            book(nxt, "")
        return key(raw, region)

    monkeypatch.setattr(book, "key", busy)
    known = book.known()
    assert set(known) >= {key("+1 212 555 0147", "US"), key("+64 9 555 0147", "NZ")}
