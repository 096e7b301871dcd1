"""The fault campaign (``bench/fault_campaign.py``) at full size: every cut, changed byte and
swapped, repeated or dropped line is refused, every torn final append is reported with its
bytes kept, none opens silently, and `callroom check` finds every one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

CAMPAIGN = Path(__file__).resolve().parents[2] / "bench" / "fault_campaign.py"


def _campaign():
    spec = importlib.util.spec_from_file_location("callroom_fault_campaign", CAMPAIGN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.mark.slow
def test_every_fault_is_detected_and_none_opens_silently(tmp_path: Path):
    campaign = _campaign()
    result = campaign.run(workdir=tmp_path)
    print("\n" + campaign.report(result))
    rows = result["rows"]
    assert {k: r["faults"] for k, r in rows.items()} == {
        "cut inside a line": 100, "cut at a line end": 100, "one byte changed": 200,
        "lines swapped": 17, "line repeated": 17, "line dropped": 16, "torn final append": 50}
    for kind, r in rows.items():
        expected = "torn, reported, bytes kept" if kind == "torn final append" else "refused"
        assert r.get(expected, 0) == r["faults"], (kind, r)
        assert r.get("opened silently", 0) == 0 and r["check found it"] == r["faults"], (kind, r)


def test_a_small_campaign_with_another_seed(tmp_path: Path):
    campaign = _campaign()
    result = campaign.run(seed=7, cuts=20, flips=20, line_faults=9, torn=5, workdir=tmp_path)
    total = sum(r["faults"] for r in result["rows"].values())
    silent = sum(r.get("opened silently", 0) + r.get("opened with a notice", 0) for r in result["rows"].values())
    assert total == 54 and silent == 0
