"""Shared fixtures: a demo ledger on a temporary file and a fixed clock."""

from __future__ import annotations

import os
import tempfile

import pytest

# The zone cache (callroom.zonecache) of this test run: never the user's own cache folder.
os.environ["CALLROOM_CACHE_DIR"] = tempfile.mkdtemp(prefix="callroom-test-cache-")
# ... and its configuration folder (keys, theme, templates): never the user's own.
os.environ["CALLROOM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="callroom-test-config-")

from callroom import demo
from callroom.domain.clock import Clock
from callroom.store import open_store

from support import NOW, TODAY


@pytest.fixture(autouse=True)
def steady_cursor(monkeypatch):
    """A focused field's cursor does not blink in tests: a snapshot taken half a second
    later on a slow machine would otherwise catch it off (seen in CI on the plan form)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input.cursor_blink, "_default", False)


@pytest.fixture
def clock() -> Clock:
    return Clock.at(NOW)


@pytest.fixture
def demo_store(tmp_path):
    store = open_store(tmp_path / "ledger.jsonl")
    demo.load(store, TODAY)
    yield store
    store.close()


@pytest.fixture
def ledger(tmp_path):
    """The path of a closed demo ledger (some test modules define their own ``ledger``)."""
    path = tmp_path / "ledger.jsonl"
    store = open_store(path)
    demo.load(store, TODAY)
    store.close()
    return path


@pytest.fixture
def empty_store(tmp_path):
    store = open_store(tmp_path / "ledger.jsonl")
    yield store
    store.close()


def reopen(store):
    """Close and reopen a store from disk: what a test asserts must have survived this."""
    path = store.path
    store.close()
    return open_store(path)
