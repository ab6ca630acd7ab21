"""Exports: CSV or Parquet bytes that read back to the same table."""

from __future__ import annotations

import io

import pandas as pd

from lib.views.exports import csv_bytes, parquet_bytes


def test_csv_and_parquet_round_trip() -> None:
    """Both formats read back to the frame, Parquet keeping types and UTC timestamps."""
    frame = pd.DataFrame(
        {
            "game_id": ["a", "b"],
            "home_team": ["<img src=x>", "Équipe"],
            "home_score": [101, 99],
            "received_at": pd.to_datetime([1.8e9, 1.8e9 + 1], unit="s", utc=True),
        }
    )
    assert pd.read_csv(io.BytesIO(csv_bytes(frame)))["home_team"].tolist() == ["<img src=x>", "Équipe"]
    back = pd.read_parquet(io.BytesIO(parquet_bytes(frame)))
    pd.testing.assert_frame_equal(back, frame)
