"""BPI Challenge 2012 loads exactly, checked against pm4py's own XML parser and pandas."""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import UTC

import pandas as pd
import pytest

from etl.load import ingest
from tests.test_etl_support import fifo_instances, stored_instances

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reference(bpic2012_path) -> pd.DataFrame:
    """The log as pm4py's pure-Python parser reads it (independent of rustxes)."""
    import pm4py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pm4py.read_xes(str(bpic2012_path), variant="line_by_line", show_progress_bar=False)
    return frame


def test_bpic2012_loads_exactly(store, bpic2012_path, reference):
    profile = {
        "outcomes": {
            "A_APPROVED": "approved",
            "A_ACTIVATED": "approved",
            "A_DECLINED": "rejected",
            "A_CANCELLED": "withdrawn",
        }
    }
    summary = ingest(bpic2012_path, "bpic2012", con=store, profile=profile)
    assert summary.format == "xes.gz"
    assert summary.events == 262_200 == len(reference)
    assert summary.cases == 13_087 == reference["case:concept:name"].nunique()
    assert summary.rejected == 0

    lifecycles = dict(store.execute("SELECT lifecycle, count(*) FROM events GROUP BY 1").fetchall())
    expected = reference["lifecycle:transition"].str.lower().value_counts().to_dict()
    assert lifecycles == expected == {"complete": 164_506, "start": 71_376, "schedule": 26_318}

    span = store.execute("SELECT min(ts), max(ts) FROM events").fetchone()
    assert span == (reference["time:timestamp"].min(), reference["time:timestamp"].max())

    # Instances: the DESIGN.md pairing rule computed plainly in Python on pm4py's parse.
    events = zip(
        reference["case:concept:name"],
        reference["concept:name"],
        reference["time:timestamp"].dt.tz_convert(UTC).dt.tz_localize(None),
        reference["lifecycle:transition"],
        strict=True,
    )
    expected_instances = fifo_instances((c, a, ts.to_pydatetime(), lc) for c, a, ts, lc in events)
    got = stored_instances(store, "bpic2012")
    assert summary.activity_instances == len(expected_instances)
    assert got == expected_instances
    w_paired = [i for i in got if i[1].startswith("W_") and i[3] is not None and i[3] > i[2]]
    assert len(w_paired) > 60_000  # the W_ START/COMPLETE pairs have a duration

    # Cases: first/last timestamps and AMOUNT_REQ as pandas computes them.
    cases = store.execute(
        "SELECT case_id, first_ts, last_ts, amount, outcome FROM cases ORDER BY case_id"
    ).df()
    by_case = reference.groupby("case:concept:name").agg(
        first=("time:timestamp", "min"),
        last=("time:timestamp", "max"),
        amount_req=("case:AMOUNT_REQ", "first"),
    )
    joined = cases.set_index("case_id").join(by_case)
    assert (joined["first_ts"] == joined["first"]).all()
    assert (joined["last_ts"] == joined["last"]).all()
    assert len(joined) == 13_087
    assert (joined["amount"] == joined["amount_req"].astype(float)).all()

    # Outcome: the last mapped activity of each case, computed with pandas.
    mapped = reference[reference["concept:name"].isin(profile["outcomes"])]
    last = (
        mapped.sort_values(["time:timestamp"], kind="stable")
        .groupby("case:concept:name")["concept:name"]
        .last()
    )
    want = Counter(profile["outcomes"][a] for a in last)
    want["open"] = 13_087 - len(last)
    assert (
        Counter(dict(store.execute("SELECT outcome, count(*) FROM cases GROUP BY 1").fetchall()))
        == want
    )
