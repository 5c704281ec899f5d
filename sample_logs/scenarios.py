"""The two scenarios as data: the as-is process (``before``) and the redesign (``after``).

Everything the simulation needs to know about a way of working is here: staff per
department, processing times, routing probabilities, the committee's meeting days,
per-department SLAs and the small share of guardrail breaches of the old process.
Applicants (arrivals and case attributes) are the same in both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time

from sample_logs.activities import Duration
from sample_logs.departments import DEPARTMENT_ORDER

COMPLIANCE_THRESHOLD = 3_000_000  # loans above this amount (CNY) need a compliance review
APPROVAL_CUTOFF = -2.6  # approve when the assessed default log-odds is below this


# Customers' own delays (working minutes; 510 is one working day), the same in both.
CUSTOMER_DELAY = Duration(median_minutes=1.2 * 510, sigma=0.7, minimum_minutes=30)
SIGNING_DELAY = Duration(median_minutes=0.3 * 510, sigma=0.8, minimum_minutes=10)
JOINT_REVIEW_LAG = Duration(median_minutes=20, sigma=0.5, minimum_minutes=5)


@dataclass(frozen=True)
class Breaches:
    """Shares of cases that break a guardrail (the old process let a few through)."""

    skip_risk: float = 0.0  # decided without a risk assessment
    skip_compliance: float = 0.0  # large loan decided without compliance review
    self_approval: float = 0.0  # the credit investigator also signs the decision


@dataclass(frozen=True)
class Committee:
    """The approval committee: it decides only in its meetings."""

    days: tuple[str, ...]
    opens: time = time(14, 0)
    closes: time = time(17, 30)
    defer: float = 0.1  # share of decisions deferred for a supplementary investigation
    max_deferrals: int = 2


@dataclass(frozen=True)
class Scenario:
    """One way of running the loan approval process."""

    name: str
    description: str
    staff: dict[str, int]
    durations: dict[str, Duration]
    committee: Committee
    missing_documents: float  # share of document reviews that find something missing
    missing_documents_decay: float  # each further round is this much less likely
    reverification: float  # share of risk assessments followed by a re-verification
    send_back: float  # share of re-verifications that send the file back to credit
    send_back_decay: float
    joint_review: bool  # credit, risk (and compliance) review in parallel
    auto_scoring: bool
    fast_track_max_amount: int = 0
    fast_track_min_score: int = 10_000
    sla_hours: dict[str, float] = field(default_factory=dict)  # working hours per department
    case_owners: frozenset[str] = frozenset()  # departments where a case stays with one person
    decision_noise: float = 0.9  # how much the assessed risk misses the true risk
    customer_delay: Duration = CUSTOMER_DELAY  # customer gathers the missing documents
    signing_delay: Duration = SIGNING_DELAY  # customer comes to sign
    joint_review_lag: Duration = JOINT_REVIEW_LAG  # risk joins after credit opens the file
    breaches: Breaches = Breaches()

    def with_staff(self, overrides: dict[str, int]) -> Scenario:
        """The scenario with some departments' head counts changed."""
        unknown = sorted(set(overrides) - set(DEPARTMENT_ORDER))
        if unknown:
            raise ValueError(
                f"unknown department {', '.join(unknown)}; known: {', '.join(DEPARTMENT_ORDER)}"
            )
        bad = sorted(name for name, count in overrides.items() if count < 1)
        if bad:
            raise ValueError(f"every department needs at least one person: {', '.join(bad)}")
        return replace(self, staff={**self.staff, **overrides})


STAFF: dict[str, int] = {
    "客戶經理部": 10,
    "信貸部": 17,
    "風險管理部": 10,
    "法務合規部": 2,
    "審批委員會": 7,
    "運營部": 5,
}

BEFORE_DURATIONS: dict[str, Duration] = {
    "受理申請": Duration(25, 0.4),
    "收集資料": Duration(80, 0.5),
    "資料審核": Duration(45, 0.5),
    "補件通知": Duration(10, 0.4),
    "補充資料": Duration(35, 0.5),
    "信貸調查": Duration(150, 0.5),
    "風險評估": Duration(110, 0.5),
    "風險複核": Duration(60, 0.5),
    "補充調查": Duration(90, 0.5),
    "合規審查": Duration(150, 0.5),
    "審批會議": Duration(14, 0.4),
    "簽約": Duration(50, 0.4),
    "放款": Duration(25, 0.4),
    "拒絕通知": Duration(15, 0.4),
    "客戶撤回": Duration(15, 0.4),
    "自動評分": Duration(2, 0.3, 0.5),
    "自動審批": Duration(1, 0.3, 0.5),
}

BEFORE = Scenario(
    name="before",
    description=(
        "As-is: sequential reviews, each department on its own data; missing-document "
        "loops, risk re-verifies and sends files back to credit; compliance after risk for "
        "large loans; the committee meets on Tuesdays and Thursdays."
    ),
    staff=STAFF,
    durations=BEFORE_DURATIONS,
    committee=Committee(days=("Tue", "Thu"), defer=0.12),
    missing_documents=0.45,
    missing_documents_decay=0.4,
    reverification=0.45,
    send_back=0.5,
    send_back_decay=0.5,
    joint_review=False,
    auto_scoring=False,
    case_owners=frozenset({"客戶經理部", "信貸部", "風險管理部"}),
    decision_noise=0.9,
    breaches=Breaches(skip_risk=0.01, skip_compliance=0.05, self_approval=0.012),
)

AFTER = Scenario(
    name="after",
    description=(
        "Redesign: a shared information platform (few missing documents, few "
        "re-verifications), joint review (credit and risk in parallel, compliance too for "
        "large loans), automatic scoring that fast-tracks small well-scored loans past the "
        "committee, per-department SLAs; the committee meets Monday, Wednesday and Friday."
    ),
    staff=STAFF,
    durations={
        **BEFORE_DURATIONS,
        "資料審核": Duration(35, 0.5),
        "信貸調查": Duration(135, 0.5),
        "風險評估": Duration(90, 0.5),
    },
    committee=Committee(days=("Mon", "Wed", "Fri"), defer=0.05),
    missing_documents=0.1,
    missing_documents_decay=0.3,
    reverification=0.08,
    send_back=0.25,
    send_back_decay=0.5,
    joint_review=True,
    auto_scoring=True,
    case_owners=frozenset({"客戶經理部"}),
    fast_track_max_amount=600_000,
    fast_track_min_score=690,
    sla_hours={
        "客戶經理部": 4,
        "信貸部": 8,
        "風險管理部": 8,
        "法務合規部": 16,
        "運營部": 4,
    },
    decision_noise=0.6,
)

SCENARIOS: dict[str, Scenario] = {"before": BEFORE, "after": AFTER}
