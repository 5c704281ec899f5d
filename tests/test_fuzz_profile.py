"""Fuzzing the profile parser: any YAML text or data gives a Profile or a ProfileError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.errors import ProfileError
from etl.profile import CANONICAL_FIELDS, Profile, load_profile, parse_profile

KEYS = [
    "columns",
    "encoding",
    "delimiter",
    "timestamp_format",
    "timezone",
    "departments",
    "outcomes",
    "outcome_attribute",
    "case_attributes",
    "calendar",
    "sla",
    "costs",
    "rules",
    "pseudonymise",
]
NESTED_KEYS = [
    *CANONICAL_FIELDS,
    "by_activity",
    "by_resource",
    "workdays",
    "hours",
    "holidays",
    "cycle_time_hours",
    "risk_activities",
    "compliance_amount_threshold",
    "case_id",
    "resource",
    "attributes",
]
FUZZ = settings(
    max_examples=500,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(
        [
            "Mon",
            "Sun",
            "Funday",
            "09:00",
            "25:61",
            "17:30",
            "2025-02-30",
            "2025-01-01",
            "Asia/Shanghai",
            "Mars/Olympus",
            "../../etc/passwd",
            "UTC'; DROP TABLE x; --",
            "approved",
            "rejected",
            "maybe",
            "auto",
            "gb18030",
            "\x00",
            "-1",
            "1e309",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(NESTED_KEYS), st.text(max_size=8)), inner, max_size=4
        ),
    ),
    max_leaves=8,
)
profiles = st.one_of(
    values,
    st.dictionaries(st.sampled_from(KEYS), values, max_size=6),
)


def _parse(data: Any) -> None:
    try:
        result = parse_profile(data)
    except ProfileError as exc:
        assert str(exc)  # a message for the user, never empty
        return
    assert isinstance(result, Profile)
    result.to_json_dict()  # a valid profile can always be stored


@FUZZ
@given(profiles)
def test_any_profile_data_parses_or_says_why(data: Any) -> None:
    _parse(data)


@FUZZ
@given(st.text(max_size=300))
def test_any_yaml_text_parses_or_says_why(tmp_path_factory: Any, text: str) -> None:
    path = Path(tmp_path_factory.mktemp("profile")) / "profile.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        assert str(exc)
        return
    assert isinstance(profile, Profile)


yaml_fragments = st.lists(
    st.sampled_from(
        [
            "columns:\n",
            "  case_id: 申請編號\n",
            "  activity: [1, 2]\n",
            "timezone: Asia/Taipei\n",
            "timezone: Nowhere/City\n",
            "calendar:\n",
            "  hours: ['09:00', '08:00']\n",
            "  workdays: [Mon, Xyz]\n",
            "  holidays: [2025-13-01]\n",
            "sla: {cycle_time_hours: -5}\n",
            "costs: {信貸部: abc}\n",
            "outcomes: {放款: approved, 拒絕: maybe}\n",
            "- a\n",
            ": :\n",
            "&a [*a]\n",
            "!!python/object:os.system ls\n",
            "\t\n",
            "key: 'unterminated\n",
            "{\n",
            "pseudonymise: {case_id: yes, attributes: 客戶}\n",
            "rules: {bogus: 1}\n",
            "%YAML 9\n",
            "a: &x 1\nb: *x\n",
            "? complex\n",
            "\x00\n",
            "---\n",
            "...\n",
        ]
    ),
    max_size=8,
)


@FUZZ
@given(yaml_fragments)
@example(["calendar:\n", "  holidays: [2025-13-01]\n"])  # an impossible date in YAML
def test_profile_files_load_or_say_why(tmp_path_factory: Any, fragments: list[str]) -> None:
    path = Path(tmp_path_factory.mktemp("profile")) / "profile.yaml"
    path.write_text("".join(fragments), encoding="utf-8")
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        assert str(exc)
        return
    assert isinstance(profile, Profile)


@settings(max_examples=300, deadline=2000)
@given(st.binary(max_size=200))
def test_profile_files_of_any_bytes_load_or_say_why(tmp_path_factory: Any, data: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("profile")) / "profile.yaml"
    path.write_bytes(data)
    try:
        load_profile(path)
    except ProfileError as exc:
        assert str(exc)
