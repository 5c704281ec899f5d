"""Sample logs: a discrete-event simulation of micro- and small-business loan approval.

The simulator models six departments (客戶經理部, 信貸部, 風險管理部, 法務合規部, 審批委員會,
運營部) working inside a business calendar, with queues, processing times, routing
probabilities and the approval committee's meeting days, in two scenarios: the as-is
process (``before``) and the cross-department redesign (``after``).

- :func:`sample_logs.engine.simulate` runs a scenario;
- :func:`sample_logs.generate.generate_log` simulates and writes one file (CSV, XES,
  Parquet; event or instance layout; Chinese or English) — ``loanflow generate``;
- :func:`sample_logs.ground_truth.ground_truth` gives what the simulator knows;
- ``python -m sample_logs.build`` regenerates the shipped logs, profiles, ground truth
  and the to-be BPMN model.
"""

from __future__ import annotations

from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parent
BEFORE_LOG = SAMPLES_DIR / "before.csv"
BEFORE_PROFILE = SAMPLES_DIR / "before.profile.yaml"
AFTER_LOG = SAMPLES_DIR / "after.xes.gz"
AFTER_PROFILE = SAMPLES_DIR / "after.profile.yaml"
GROUND_TRUTH = SAMPLES_DIR / "ground_truth.json"
TO_BE_BPMN = SAMPLES_DIR / "to_be.bpmn"
