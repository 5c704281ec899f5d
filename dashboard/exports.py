"""Table downloads: every CSV the dashboard hands out is neutralised and audited."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dash import dcc

from dashboard.audit import record
from etl.exports import to_safe_csv


def csv_download(frame: pd.DataFrame, filename: str) -> dict[str, Any]:
    """A dcc.Download payload: ``frame`` as safe CSV (UTF-8 BOM, no formula injection)."""
    record("export", filename, f"{len(frame)} rows")
    return dcc.send_bytes(to_safe_csv(frame), filename, type="text/csv")
