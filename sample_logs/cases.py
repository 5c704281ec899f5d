"""Case attributes: who applies, for what, and how risky the loan really is.

Drawn once per application, vectorised, from the case stream of the seed, so the
``before`` and ``after`` scenarios see the very same applicants (common random
numbers): differences between them come from the process alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PRODUCTS = ("經營貸", "流動資金貸款", "設備貸款", "信用貸", "抵押貸")
PRODUCT_P = (0.32, 0.22, 0.12, 0.22, 0.12)
# Median amount (CNY) and log-spread per product.
PRODUCT_AMOUNT = (
    (800_000, 0.7),
    (1_200_000, 0.7),
    (1_500_000, 0.6),
    (200_000, 0.6),
    (2_500_000, 0.6),
)
INDUSTRIES = ("製造業", "批發零售", "餐飲住宿", "建築業", "交通運輸", "農林牧漁", "科技服務")
INDUSTRY_P = (0.22, 0.26, 0.14, 0.1, 0.1, 0.06, 0.12)
INDUSTRY_RISK = (0.0, 0.1, 0.35, 0.4, 0.15, 0.25, -0.2)  # added to the default log-odds
BRANCHES = ("福田支行", "南山支行", "羅湖支行", "寶安支行", "龍崗支行", "前海支行")
BRANCH_P = (0.2, 0.2, 0.15, 0.17, 0.16, 0.12)
MIN_AMOUNT, MAX_AMOUNT = 50_000, 10_000_000
SCORE_MEAN, SCORE_SD = 690.0, 65.0
PATIENCE_MEDIAN_DAYS, IMPATIENT_MEDIAN_DAYS, IMPATIENT_SHARE = 22.0, 2.0, 0.03
# Default log-odds: intercept, per score standard deviation, per log(amount / 1M).
DEFAULT_INTERCEPT, DEFAULT_PER_SCORE_SD, DEFAULT_PER_LOG_AMOUNT = -3.3, -1.1, 0.25


@dataclass(frozen=True)
class CaseAttributes:
    """One entry per application (arrival order)."""

    amount: npt.NDArray[np.int64]
    product: npt.NDArray[np.int64]
    industry: npt.NDArray[np.int64]
    branch: npt.NDArray[np.int64]
    credit_score: npt.NDArray[np.int64]
    risk_logit: npt.NDArray[np.float64]  # true log-odds of a later default
    assessment_noise: npt.NDArray[np.float64]  # standard normal; scaled by the scenario
    default_draw: npt.NDArray[np.float64]  # uniform; defaults when below the probability
    patience_days: npt.NDArray[np.float64]  # working days before the customer gives up


def generate_cases(rng: np.random.Generator, n: int) -> CaseAttributes:
    """Attributes of ``n`` applications."""
    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_P)
    median = np.array([m for m, _ in PRODUCT_AMOUNT], dtype=float)[product]
    spread = np.array([s for _, s in PRODUCT_AMOUNT])[product]
    raw = median * np.exp(spread * rng.standard_normal(n))
    amount = (np.clip(np.rint(raw / 10_000) * 10_000, MIN_AMOUNT, MAX_AMOUNT)).astype(np.int64)
    industry = rng.choice(len(INDUSTRIES), size=n, p=INDUSTRY_P)
    branch = rng.choice(len(BRANCHES), size=n, p=BRANCH_P)
    score = np.clip(np.rint(rng.normal(SCORE_MEAN, SCORE_SD, n)), 350, 900).astype(np.int64)
    risk_logit = (
        DEFAULT_INTERCEPT
        + DEFAULT_PER_SCORE_SD * (score - SCORE_MEAN) / SCORE_SD
        + DEFAULT_PER_LOG_AMOUNT * np.log(amount / 1_000_000)
        + np.array(INDUSTRY_RISK)[industry]
        + 0.5 * rng.standard_normal(n)  # what no score captures
    )
    return CaseAttributes(
        amount=amount,
        product=product.astype(np.int64),
        industry=industry.astype(np.int64),
        branch=branch.astype(np.int64),
        credit_score=score,
        risk_logit=risk_logit,
        assessment_noise=rng.standard_normal(n),
        default_draw=rng.random(n),
        patience_days=_patience(rng, n),
    )


def _patience(rng: np.random.Generator, n: int) -> npt.NDArray[np.float64]:
    """Working days a customer waits before withdrawing: most are patient, a few are not
    (they applied at several banks)."""
    impatient = rng.random(n) < IMPATIENT_SHARE
    median = np.where(impatient, IMPATIENT_MEDIAN_DAYS, PATIENCE_MEDIAN_DAYS)
    result: npt.NDArray[np.float64] = median * np.exp(0.45 * rng.standard_normal(n))
    return result


def default_probability(risk_logit: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Probability that an approved loan defaults later."""
    return 1.0 / (1.0 + np.exp(-risk_logit))
