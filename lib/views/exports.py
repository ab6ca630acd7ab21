"""Download buttons: every table as CSV or Parquet, built only when someone clicks.

The buttons take functions that produce DataFrames rather than the frames themselves, so a
refresh every second does not serialise the whole history every second.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Final

import pandas as pd
import streamlit as st


@dataclass(frozen=True)
class Export:
    """One downloadable table.

    Attributes:
        name: File stem and label, e.g. ``"games"``.
        description: What it holds, shown beside the buttons.
        frame: Builds the DataFrame at click time.
    """

    name: str
    description: str
    frame: Callable[[], pd.DataFrame]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a header row; timestamps in ISO 8601."""
    return frame.to_csv(index=False).encode("utf-8")


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as a Parquet file (types kept, timestamps as UTC)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _built(encode: Callable[[pd.DataFrame], bytes], frame: Callable[[], pd.DataFrame]) -> bytes:
    return encode(frame())


_FORMATS: Final = (
    ("CSV", "csv", "text/csv", csv_bytes),
    ("Parquet", "parquet", "application/vnd.apache.parquet", parquet_bytes),
)
"""Each download format: button label, file extension, MIME type, encoder."""


def render_exports(exports: Sequence[Export], stem: str) -> None:
    """A row per table with its CSV and Parquet buttons; ``stem`` prefixes the file names."""
    for export in exports:
        label, *buttons = st.columns([4, 1, 1], vertical_alignment="center")
        label.markdown(f"**{export.name}**: {export.description}")
        for column, (title, extension, mime, encode) in zip(buttons, _FORMATS, strict=True):
            column.download_button(
                title,
                partial(_built, encode, export.frame),
                file_name=f"{stem}-{export.name}.{extension}",
                mime=mime,
                key=f"{extension}-{export.name}",
                on_click="ignore",
                icon=":material/download:",
            )
