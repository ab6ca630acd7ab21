"""The margins bench's judgement of a later season: the shipped model, out of time, on a file with one."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.margins import MARGINS_CSV, load_margins
from bench.wp_fit import FULL, states
from bench.wp_margins import label, lib_chances, report_later_seasons
from lib.model import SHIPPED, home_win_probability
from lib.model.params import SHIPPED_LAST_SEASON

ROOT = Path(__file__).resolve().parents[2]

needs_margins = pytest.mark.skipif(
    not MARGINS_CSV.is_file(),
    reason=f"the real NBA margins are absent: {MARGINS_CSV} (see shared/data/nba_margins.README.md)",
)


def _next_season(rows: pd.DataFrame) -> pd.DataFrame:
    """The last season of ``rows`` played again a year later, under new game ids."""
    later = rows[rows.season == rows.season.max()].copy()
    start = int(later.season.iloc[0][:4]) + 1
    later["season"] = f"{start}-{(start + 1) % 100:02d}"
    later["game_id"] = "9" + later.game_id.str[1:]
    later["game_date"] = [(date.fromisoformat(day) + timedelta(days=364)).isoformat() for day in later.game_date]
    return later


@pytest.fixture(scope="module")
def later_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real 2022-23 and 2023-24 seasons with 2023-24 played again as 2024-25, as a margins file."""
    rows = pd.read_csv(MARGINS_CSV, dtype={"game_id": str})
    rows = rows[rows.season.isin(["2022-23", "2023-24"])]
    path = tmp_path_factory.mktemp("margins") / "margins-2024-25.csv"
    pd.concat([rows, _next_season(rows)]).to_csv(path, index=False)
    return path


@needs_margins
def test_a_later_season_is_judged_with_the_shipped_model(later_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A season after the shipped fit's last gets the issue's table, its full-form Brier lib's own, state by state."""
    data = load_margins(later_file)
    regular = np.flatnonzero(data.regular)
    later = regular[data.season[regular] > SHIPPED_LAST_SEASON]
    assert set(data.season[later].tolist()) == {2024}
    report_later_seasons(data, later)
    printed = capsys.readouterr().out
    assert f"{len(later):,} regular-season games of 2024-25" in printed
    at = states(data, later)
    chances = []
    for game, lead, seconds in zip(at.game.tolist(), at.lead.tolist(), at.seconds.tolist(), strict=True):
        home, away = data.forms(game, points=True, last_season=True, rest=True)
        chances.append(home_win_probability(lead, seconds, None, home, away))
    brier = float(np.mean((np.asarray(chances) - at.outcome) ** 2))
    assert chances == lib_chances(data, at, SHIPPED, FULL)
    full_row = next(line for line in printed.splitlines() if line.startswith(f"| {label(FULL)} |"))
    assert full_row.split(" | ")[1] == f"{brier:.4f}"
    assert "stern-refit-2015-16" in printed
    assert "stern-1994" in printed
    assert "full form: Brier at most 0.131" in printed


@needs_margins
def test_no_later_season_says_how_to_judge_one(capsys: pytest.CaptureFixture[str]) -> None:
    """With no season after the shipped fit's last the section says so and holds no goal against the model."""
    data = load_margins(MARGINS_CSV)
    assert report_later_seasons(data, np.array([], dtype=np.int64))
    printed = capsys.readouterr().out
    assert "holds no regular season after 2023-24" in printed
    assert "--margins-file" in printed


def _bench(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "bench/wp_quality.py", *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_margins_file_needs_margins() -> None:
    """``--margins-file`` without ``--margins`` is refused with a clear message, status 2."""
    done = _bench("--margins-file", "later.csv.gz")
    assert done.returncode == 2
    assert "--margins-file is the file --margins judges: it needs --margins" in done.stderr


def test_an_absent_margins_file_is_named(tmp_path: Path) -> None:
    """``--margins --margins-file`` of a file that is not there exits with its path, before any fit."""
    absent = tmp_path / "absent.csv.gz"
    done = _bench("--margins", "--margins-file", str(absent))
    assert done.returncode == 1
    assert str(absent) in done.stderr
