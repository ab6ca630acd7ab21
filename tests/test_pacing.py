"""When a session's live section may run: the load's floor, each session's pace, a few at once."""

from __future__ import annotations

import itertools
import threading

import pytest

from harness.waiting import wait_for
from lib.pacing import (
    DEFAULT_REFRESH,
    MAX_FLOOR,
    PAGE_RUNS_AT_ONCE,
    REFRESHES_AT_ONCE,
    SETTLE,
    WINDOW,
    LiveGate,
    RefreshGovernor,
    SessionPacer,
)


def run_at(governor: RefreshGovernor, load: float, windows: int, start: float, cpu: float) -> tuple[float, float]:
    """Feed the governor ``windows`` whole windows at ``load`` (share of a core); returns the time and CPU after."""
    now = start
    for _ in range(windows):
        now += WINDOW
        cpu += load * WINDOW
        governor.observe(now, cpu)
    return now, cpu


def test_one_busy_window_is_a_burst_two_are_a_crowd() -> None:
    """A burst of page loads moves nothing; two windows at 1.5 cores' worth raise the floor to 3 s, for everyone."""
    governor = RefreshGovernor(now=0.0, cpu=0.0)
    now, cpu = run_at(governor, 0.2, 1, 0.0, 0.0)
    now, cpu = run_at(governor, 1.5, 1, now, cpu)
    assert governor.floor == 0.0
    run_at(governor, 1.5, 1, now, cpu)
    assert governor.floor == 3.0
    assert governor.refresh(1.0).interval == 3.0
    assert governor.refresh(1.0).degraded
    assert governor.refresh(5.0).interval == 5.0  # a viewer who chose slower keeps their choice
    assert not governor.refresh(5.0).degraded


def test_the_floor_never_passes_the_longest_wait_and_settles_between_moves() -> None:
    """However heavy the load, the floor stops at MAX_FLOOR; after a move it waits SETTLE seconds before the next."""
    governor = RefreshGovernor(now=0.0, cpu=0.0)
    now, cpu = run_at(governor, 3.0, 2, 0.0, 0.0)
    assert governor.floor == MAX_FLOOR
    now, cpu = run_at(governor, 0.0, int(SETTLE // WINDOW) - 1, now, cpu)
    assert governor.floor == MAX_FLOOR  # still settling
    run_at(governor, 0.0, 2, now, cpu)
    assert governor.floor == 0.0


def test_a_load_within_the_band_leaves_the_floor_where_it_is() -> None:
    """Between the low and high marks the floor stays: no chasing of small changes."""
    governor = RefreshGovernor(now=0.0, cpu=0.0)
    now, cpu = run_at(governor, 1.0, 2, 0.0, 0.0)
    raised = governor.floor
    assert raised == 2.0
    now, cpu = run_at(governor, 0.5, 10, now + SETTLE, cpu)
    assert governor.floor == raised
    run_at(governor, 0.1, 2, now, cpu)
    assert governor.floor == 0.0  # 2 s × 0.1 / 0.5 is under the default: no floor at all


def test_a_browser_keeping_to_its_timer_never_waits() -> None:
    """Refreshes once per interval, jittered by a tenth either way: no wait, ever."""
    pacer = SessionPacer(now=0.0)
    now = 0.0
    for step in range(100):
        now += DEFAULT_REFRESH * (0.9 if step % 2 else 1.1)
        assert pacer.refresh(now, DEFAULT_REFRESH) == 0.0


def test_a_client_asking_every_50_ms_waits_for_its_turn() -> None:
    """After the few at once, each refresh starts one interval after the one before, however often it is asked for."""
    pacer = SessionPacer(now=0.0)
    starts, asked = [0.0], 0.0
    for _ in range(10):
        asked = max(asked + 0.05, starts[-1])  # a session runs one refresh at a time
        starts.append(asked + pacer.refresh(asked, 2.0))
    assert starts[1 : REFRESHES_AT_ONCE + 1] == pytest.approx([0.05, 0.10, 0.15])
    paced = starts[REFRESHES_AT_ONCE + 1 :]
    gaps = [later - earlier for earlier, later in itertools.pairwise(paced)]
    assert gaps == pytest.approx([2.0] * len(gaps))


def test_a_refresh_asked_for_while_another_waits_queues_behind_it() -> None:
    """Asked again before the promised turn came: the wait runs from that turn, not from now."""
    pacer = SessionPacer(now=0.0)
    for _ in range(REFRESHES_AT_ONCE):
        pacer.refresh(0.0, 1.0)
    assert pacer.refresh(0.0, 1.0) == pytest.approx(1.0)
    assert pacer.refresh(0.5, 1.0) == pytest.approx(1.5)


def test_a_page_run_and_the_refreshes_inside_it_count_once() -> None:
    """Each fragment inside a whole-page run takes no refresh; whole-page runs have their own budget."""
    pacer = SessionPacer(now=0.0)
    for _ in range(PAGE_RUNS_AT_ONCE):
        assert pacer.page_run(0.0) == 0.0
        for fragment in ("archive", "live"):
            assert pacer.in_page_run(fragment)
            assert pacer.refresh(0.0, DEFAULT_REFRESH, fragment) == 0.0
            assert not pacer.in_page_run(fragment)
    assert pacer.page_run(0.0) > 0.0


def test_each_fragment_keeps_its_own_pace() -> None:
    """The live section every second and the archive's line every 5 s do not take each other's turns."""
    pacer = SessionPacer(now=0.0)
    now = 0.0
    for step in range(1, 21):
        now = float(step)
        assert pacer.refresh(now, 1.0, "live") == 0.0
        if step % 5 == 0:
            assert pacer.refresh(now, 5.0, "archive") == 0.0


def test_the_gate_lets_its_slots_through_and_serves_page_loads_first() -> None:
    """Two slots: a third refresh and a page load wait; when a slot frees, the page load goes first."""
    gate = LiveGate(slots=2)
    order: list[str] = []
    holding = [gate.turn(page=False), gate.turn(page=False)]
    for turn in holding:
        turn.__enter__()

    def wait_then_note(name: str, page: bool) -> None:
        with gate.turn(page=page):
            order.append(name)

    refresh = threading.Thread(target=wait_then_note, args=("refresh", False))
    refresh.start()
    wait_for(lambda: gate.waiting == 1, what="the refresh in line")
    page = threading.Thread(target=wait_then_note, args=("page", True))
    page.start()
    wait_for(lambda: gate.waiting == 2, what="the page load in line")
    assert order == []
    holding[0].__exit__(None, None, None)  # one slot for two in line: the page load, then the refresh
    page.join(5)
    refresh.join(5)
    assert order == ["page", "refresh"]
    holding[1].__exit__(None, None, None)
    assert gate.waiting == 0


def test_a_gate_needs_a_slot() -> None:
    """No slot at all would hold every session for ever: refused."""
    with pytest.raises(ValueError, match="slots"):
        LiveGate(slots=0)
