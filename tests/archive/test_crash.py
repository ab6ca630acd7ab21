"""A writer killed mid-night: the file opens cleanly, and only what was offered in its last batch interval is lost."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from lib.archive import ArchiveWriter, query
from tests.archive.child import Child
from tests.archive.night import score_frame
from tests.helpers import NOW

BATCH_SECONDS = 0.2
"""The child writer's batch interval (see ``tests/archive/child.py``)."""


def test_a_writer_killed_mid_night_loses_at_most_its_last_batch_interval(tmp_path: Path) -> None:
    """SIGKILL right after a commit: every committed row and every offer older than a batch interval is there."""
    archive = tmp_path / "nba.duckdb"
    offered: dict[int, float] = {}
    with Child("write", archive) as writer:
        commits = 0
        for line in writer.until(lambda line: line.startswith("committed") and int(line.split()[1]) >= 300):
            kind, *fields = line.split()
            if kind == "offered":
                offered[int(fields[0])] = float(fields[1])
            commits += kind == "committed"
        committed, longest_write = int(fields[0]), float(fields[2])
        killed_at = time.time()
        os.kill(writer.process.pid, signal.SIGKILL)
        for line in writer.rest():
            kind, *fields = line.split()
            if kind == "offered":
                offered[int(fields[0])] = float(fields[1])
    assert writer.process.returncode == -signal.SIGKILL
    assert commits >= 2, "the kill came mid-night, after several batches"

    present = set(
        query(archive, "SELECT home_score + 50 * CAST(substr(game_id, 2) AS INTEGER) AS n FROM game_updates").n
    )
    assert present == set(range(len(present))), "whole batches only: the rows are the first offers, without a hole"
    assert len(present) >= committed, "every committed row survived"
    lost = [number for number in offered if number not in present]
    assert all(offered[number] > killed_at - (BATCH_SECONDS + longest_write) for number in lost), (
        "nothing older than a batch interval (and the write in progress) before the kill was lost"
    )

    with ArchiveWriter(archive, source="demo") as again:  # the dead writer's lock died with it
        again.offer(score_frame(10**6), NOW)
    assert again.stats.written == 1
    assert query(archive, "SELECT count(*) AS n FROM game_updates").n[0] == len(present) + 1
