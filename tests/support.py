"""Constants and helpers shared by the UI and CLI tests."""

from __future__ import annotations

from datetime import date, datetime, timezone

TODAY = date(2026, 11, 23)  # a Monday
# 15:00 UTC: 10:00 in New York, 07:00 in California, 16:00 in Paris, 04:00 next day in NZ.
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


def app_for(store, clock):
    """The app on ``store`` with the test clock and a timer that never moves."""
    from callroom.ui.app import CallroomApp

    return CallroomApp(store, clock=clock, ticker=lambda: 0.0)


def screen_text(app) -> str:
    """What the terminal shows right now, as plain text lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def on_disk(store):
    """Reopen the ledger read-only from its file: what is durable."""
    from callroom.store import open_store

    return open_store(store.path, read_only=True)


def content(widget) -> str:
    """What a Static shows, as text."""
    return str(widget.content)


async def session(app, pilot, client: str | None = None):
    """The call screen once drawn; at ``client`` (a name) when given."""
    from callroom.ui.session import SessionScreen

    await pilot.pause()
    s = app.screen
    assert isinstance(s, SessionScreen)
    if client is not None:
        s.call_client(s.desk.find_client(client).id)
        await pilot.pause()
    return s
