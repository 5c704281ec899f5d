"""The simulation model as data: a JSON document, saved and loaded with a clear error.

Keys (all times in local wall-clock time of ``timezone``; durations in seconds):

- ``arrivals``: ``per_hour_of_week`` (168 rates, Monday 00:00 first, cases per hour),
  ``per_week``, ``trend_per_week`` (relative change of the rate per week);
- ``case_attributes``: ``columns``, ``numeric`` and ``rows`` (a sample of the cases'
  attributes, drawn whole for each simulated case);
- ``activities``: {name: {``pool`` (None: automatic, no staff), ``duration``
  (a distribution of working seconds), ``outcome``}};
- ``pools``: {name: {``size``, ``resources``, ``calendar`` ({weekday: [[from, to]]}),
  ``case_owner``}};
- ``routing``: ``start`` (the first activity) and ``states`` {"activity#visit": branch},
  a branch being {``n``, ``next`` {activity or "" (the end): probability}, optionally
  ``split`` {``attribute`` and ``threshold``/``below``/``above`` or ``by_level``/``other``}};
  visit 0 is the back-off over all visits;
- ``parallel``: groups of activities done side by side;
- ``delays``: {"from->to": {``probability``, ``quantiles``}} (extraneous, working seconds);
- ``batching``: activities done in sessions (narrow calendars).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from etl.errors import BadInputError

MODEL_VERSION = 1
END = ""  # the end of a case, as a routing target
ELAPSED = "elapsed_hours"  # a branch split on the time since the case arrived

_REQUIRED = ("arrivals", "activities", "pools", "routing", "case_attributes")


def visit_key(activity: str, visit: int) -> str:
    """The routing state of a case that has just done ``activity`` for the ``visit``-th time."""
    return f"{activity}#{visit}"


def save_model(model: dict[str, Any], path: str | Path) -> None:
    """Write the model as JSON (UTF-8, readable)."""
    Path(path).write_text(json.dumps(model, ensure_ascii=False, indent=1), encoding="utf-8")


def load_model(path: str | Path) -> dict[str, Any]:
    """Read a model saved by :func:`save_model`; a clear error when it is not one."""
    try:
        model = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadInputError(
            f"model file {path} does not exist", code="model_file_missing", path=path
        ) from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(
            f"{path} is not a LoanFlow model (JSON): {exc}",
            code="model_not_json",
            path=path,
            reason=exc,
        ) from exc
    check_model(model, str(path))
    return model


def check_model(model: Any, source: str = "the model") -> None:
    """Raise BadInputError unless ``model`` has the keys and version of a model."""
    if not isinstance(model, dict):
        raise BadInputError(
            f"{source} is not a LoanFlow model (a JSON object)",
            code="model_not_json_object",
            source=source,
        )
    missing = [k for k in _REQUIRED if k not in model]
    if missing:
        raise BadInputError(
            f"{source} is not a LoanFlow model: missing {', '.join(missing)}. "
            "Make one with: loanflow model NAME --out model.json",
            code="model_missing_keys",
            source=source,
            keys=", ".join(missing),
        )
    if model.get("version") != MODEL_VERSION:
        raise BadInputError(
            f"{source} is a model of version {model.get('version')}; this LoanFlow reads "
            f"version {MODEL_VERSION}. Discover it again with loanflow model.",
            code="model_version",
            source=source,
            version=model.get("version"),
            expected=MODEL_VERSION,
        )
