"""The fixed translation table: every name the generator writes, in Chinese and English.

Chinese (Traditional) is the default language of the logs; ``--lang en`` writes the
English column of this table. Nothing else is translated.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

DEPARTMENTS: dict[str, str] = {
    "客戶經理部": "Account Management",
    "信貸部": "Credit",
    "風險管理部": "Risk Management",
    "法務合規部": "Legal & Compliance",
    "審批委員會": "Approval Committee",
    "運營部": "Operations",
}

ACTIVITIES: dict[str, str] = {
    "受理申請": "Receive application",
    "收集資料": "Collect documents",
    "資料審核": "Review documents",
    "補件通知": "Request missing documents",
    "補充資料": "Supply missing documents",
    "自動評分": "Automatic scoring",
    "信貸調查": "Credit investigation",
    "風險評估": "Risk assessment",
    "風險複核": "Risk re-verification",
    "補充調查": "Supplementary investigation",
    "合規審查": "Compliance review",
    "審批會議": "Committee decision",
    "自動審批": "Automatic approval",
    "簽約": "Sign contract",
    "放款": "Disburse loan",
    "拒絕通知": "Rejection notice",
    "客戶撤回": "Customer withdrawal",
}

PRODUCTS: dict[str, str] = {
    "經營貸": "Business loan",
    "流動資金貸款": "Working-capital loan",
    "設備貸款": "Equipment loan",
    "信用貸": "Unsecured credit loan",
    "抵押貸": "Mortgage-backed loan",
}

INDUSTRIES: dict[str, str] = {
    "製造業": "Manufacturing",
    "批發零售": "Wholesale & retail",
    "餐飲住宿": "Catering & hospitality",
    "建築業": "Construction",
    "交通運輸": "Transport & logistics",
    "農林牧漁": "Agriculture",
    "科技服務": "Technology services",
}

BRANCHES: dict[str, str] = {
    "福田支行": "Futian Branch",
    "南山支行": "Nanshan Branch",
    "羅湖支行": "Luohu Branch",
    "寶安支行": "Bao'an Branch",
    "龍崗支行": "Longgang Branch",
    "前海支行": "Qianhai Branch",
}

CHANNELS: dict[str, str] = {
    "網點": "Branch counter",
    "客戶經理推薦": "Account manager referral",
    "網上銀行": "Online banking",
    "手機App": "Mobile app",
}

OUTCOMES: dict[str, str] = {"批准": "approved", "拒絕": "rejected", "撤回": "withdrawn"}
DEFAULT_FLAG: dict[str, str] = {"是": "yes", "否": "no"}

# Column headers of the written logs.
COLUMNS: dict[str, dict[Lang, str]] = {
    "case_id": {"zh": "申請編號", "en": "case_id"},
    "activity": {"zh": "活動", "en": "activity"},
    "timestamp": {"zh": "時間", "en": "timestamp"},
    "lifecycle": {"zh": "生命週期", "en": "lifecycle"},
    "start_timestamp": {"zh": "開始時間", "en": "start_time"},
    "end_timestamp": {"zh": "結束時間", "en": "end_time"},
    "resource": {"zh": "經辦人", "en": "resource"},
    "department": {"zh": "部門", "en": "department"},
    "amount": {"zh": "貸款金額", "en": "amount"},
    "product": {"zh": "產品", "en": "product"},
    "industry": {"zh": "行業", "en": "industry"},
    "branch": {"zh": "支行", "en": "branch"},
    "channel": {"zh": "渠道", "en": "channel"},
    "credit_score": {"zh": "信用評分", "en": "credit_score"},
    "outcome": {"zh": "審批結果", "en": "outcome"},
    "default": {"zh": "是否違約", "en": "defaulted"},
}


def translate(names: list[str], table: dict[str, str], lang: Lang) -> list[str]:
    """Names in ``lang``: the Chinese names themselves, or their English entries."""
    if lang == "zh":
        return list(names)
    return [table[name] for name in names]


def column(name: str, lang: Lang) -> str:
    """The header of canonical column ``name`` in ``lang``."""
    return COLUMNS[name][lang]
