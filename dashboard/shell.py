"""The frame around every page: navigation bar, filter bar, language switch, URL state.

The filter bar and the language live in the URL's query string (``?dataset=before&
from=2025-01-01&outcome=approved&lang=zh-Hant``); the language is also remembered in the
browser (``localStorage``) for the next visit. Labels of the frame are elements with a
pattern id ``{"type": "i18n", "key": <message key>}`` filled in the reader's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, ctx, dcc, html

from dashboard import data
from dashboard.audit import current_user
from dashboard.exports import register_export_callback
from etl.errors import LoanFlowError
from etl.outcomes import OUTCOME_KEYS
from vocabulary import (
    LANGUAGE_NAMES,
    LANGUAGES,
    MESSAGES,
    fmt_date,
    fmt_number,
    outcome_label,
    t,
)
from vocabulary.browser import browser_locales


def label(key: str, lang: str = "en", tag: Any = html.Span, **props: Any) -> Any:
    """A frame label that the language callback re-translates."""
    return tag(t(key, lang), id={"type": "i18n", "key": key}, **props)


def nav_pages() -> list[dict[str, Any]]:
    """The registered pages in menu order."""
    pages = [p for p in dash.page_registry.values() if not p.get("hidden")]
    return sorted(pages, key=lambda p: (p.get("order", 100), p["path"]))


def nav_label_key(page: dict[str, Any]) -> str:
    """The message key of a page's menu label."""
    key = page.get("label_key")
    if key:
        return str(key)
    return f"nav.{page['module'].rsplit('.', 1)[-1]}"


def visible_pages(user: tuple[str, str] | None) -> list[dict[str, Any]]:
    """The pages to list: all without sign-in; with it, those the user's role may use."""
    pages = nav_pages()
    if user is None:
        return pages
    import importlib

    from accounts import has_role

    auth: Any = importlib.import_module("dashboard.auth")
    name = lambda page: page["module"].rsplit(".", 1)[-1]  # noqa: E731
    return [p for p in pages if has_role(user[1], auth.role_for_component(f"{name(p)}-page"))]


def _role(role: str) -> Any:
    """The signed-in user's role by its name, re-translated with the language."""
    return label(f"role.{role}") if f"role.{role}" in MESSAGES else role


def account_menu(user: tuple[str, str] | None) -> Any:
    """The signed-in user's name and the sign-out link (nothing without sign-in)."""
    if user is None:
        return None
    return html.Div(
        [
            html.Span([f"{user[0]} (", _role(user[1]), ")"], className="text-light small me-2"),
            html.A(label("nav.sign_out"), href="/logout", className="btn btn-sm btn-outline-light"),
        ],
        className="d-flex align-items-center ms-3",
    )


def navbar() -> dbc.Navbar:
    """The top bar: brand, page links, language switch, the signed-in user."""
    user = current_user()
    links = [
        dbc.NavItem(
            dbc.NavLink(
                label(nav_label_key(page)),
                href=page["path"],
                id={"type": "nav-link", "path": page["path"]},
                active="exact",
            )
        )
        for page in visible_pages(user)
    ]
    language = dbc.Select(
        id="lang-switch",
        options=[{"label": LANGUAGE_NAMES[code], "value": code} for code in LANGUAGES],
        value="en",
        size="sm",
        style={"width": "8rem"},
        className="d-print-none",
    )
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(label("app.title"), href="/", id="brand"),
                dbc.Nav(links, navbar=True, className="me-auto flex-wrap"),
                html.Div(
                    [label("lang.label", tag=html.Label, className="me-2 mb-0"), language],
                    className="d-flex align-items-center",
                ),
                account_menu(user),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-2 d-print-none",
    )


def _labelled(key: str, control: Any, width: int | str = "auto") -> dbc.Col:
    return dbc.Col(
        [label(key, tag=html.Label, className="form-label small mb-0 d-block"), control],
        xs=12,
        md=width,
    )


def filter_bar() -> html.Div:
    """The global filter bar (its values mirror the URL)."""
    dropdown: dict[str, Any] = {"clearable": True, "className": "lf-filter"}
    return html.Div(
        dbc.Row(
            [
                _labelled(
                    "filter.dataset",
                    dcc.Dropdown(id="filter-dataset", clearable=False, className="lf-filter"),
                    2,
                ),
                _labelled(
                    "filter.period",
                    dcc.DatePickerRange(
                        id="filter-period",
                        display_format="YYYY-MM-DD",
                        clearable=True,
                        minimum_nights=0,
                        className="lf-filter",
                    ),
                    3,
                ),
                _labelled(
                    "filter.product", dcc.Dropdown(id="filter-product", multi=True, **dropdown), 2
                ),
                _labelled("filter.amount", dcc.Dropdown(id="filter-amount", **dropdown), 2),
                _labelled(
                    "filter.outcome", dcc.Dropdown(id="filter-outcome", multi=True, **dropdown), 1
                ),
                _labelled(
                    "filter.department",
                    dcc.Dropdown(id="filter-department", multi=True, **dropdown),
                    1,
                ),
                dbc.Col(
                    dbc.Button(
                        label("filter.reset"),
                        id="filter-reset",
                        color="link",
                        size="sm",
                    ),
                    xs=12,
                    md=1,
                    className="d-flex align-items-end",
                ),
            ],
            className="g-2 align-items-end",
        ),
        className="lf-filter-bar container-fluid mb-3 d-print-none",
        id="filter-bar",
    )


def print_header() -> html.Div:
    """What a printed page says about the view it shows (shown in print only)."""
    return html.Div(id="print-header", className="d-none d-print-block mb-2")


def frame_layout() -> html.Div:
    """The whole app layout around ``dash.page_container``."""
    return html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Store(id="lang-store", storage_type="local"),
            dcc.Store(id="lang-locales", data=browser_locales()),
            html.Div(id="lang-applied", hidden=True),
            navbar(),
            filter_bar(),
            print_header(),
            html.Div(id="print-done", hidden=True),
            dbc.Container(dash.page_container, fluid=True, id="page", className="lf-page"),
        ]
    )


# --- callbacks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterBar:
    """The filter bar's values and choices, as the sync callback writes them."""

    dataset: str | None
    start: str | None
    end: str | None
    products: list[str]
    amount: str | None
    outcomes: list[str]
    departments: list[str]
    lang: str
    dataset_options: list[dict[str, str]]
    product_options: list[dict[str, str]]
    amount_options: list[dict[str, str]]
    outcome_options: list[dict[str, str]]
    department_options: list[dict[str, str]]
    min_date: str | None
    max_date: str | None


def amount_label(low: float | None, high: float | None, lang: str) -> str:
    """A readable amount band."""
    if low is None and high is not None:
        return t("amount.below", lang, high=fmt_number(high, lang))
    if high is None and low is not None:
        return t("amount.above", lang, low=fmt_number(low, lang))
    return t("amount.between", lang, low=fmt_number(low, lang), high=fmt_number(high, lang))


def default_dataset(names: list[str]) -> str | None:
    """The dataset shown when the URL names none: the most recently loaded."""
    if not names:
        return None
    latest = data.latest_dataset()
    return latest if latest in names else names[0]


def resolve_state(search: str | None, stored_lang: str | None) -> data.ViewState:
    """The view the URL asks for, completed with defaults (dataset, remembered language)."""
    state = data.state_from_query(search)
    if "lang=" not in (search or "") and stored_lang:
        state = state.with_changes(lang=data.state_from_query(f"?lang={stored_lang}").lang)
    names = data.dataset_names()
    if state.dataset not in names:
        state = state.with_changes(dataset=default_dataset(names))
    return state


def filter_bar_for(state: data.ViewState) -> FilterBar:
    """The filter bar's values and choices for a view."""
    lang = state.lang
    choices = data.filter_choices(state.dataset)
    band_options = [
        {"label": amount_label(low, high, lang), "value": data.amount_band(low, high)}
        for low, high in choices.amount_bands
    ]
    if state.amount and state.amount not in {o["value"] for o in band_options}:
        low, high = data.parse_amount_band(state.amount)
        band_options.append({"label": amount_label(low, high, lang), "value": state.amount})
    return FilterBar(
        dataset=state.dataset,
        start=state.date_from.isoformat() if state.date_from else None,
        end=state.date_to.isoformat() if state.date_to else None,
        products=list(state.products),
        amount=state.amount,
        outcomes=list(state.outcomes),
        departments=list(state.departments),
        lang=lang,
        dataset_options=[{"label": n, "value": n} for n in data.dataset_names()],
        product_options=[{"label": p, "value": p} for p in choices.products],
        amount_options=band_options,
        outcome_options=[{"label": outcome_label(o, lang), "value": o} for o in OUTCOME_KEYS],
        department_options=[{"label": d, "value": d} for d in choices.departments],
        min_date=choices.first_day.isoformat() if choices.first_day else None,
        max_date=choices.last_day.isoformat() if choices.last_day else None,
    )


def state_from_controls(
    previous: data.ViewState,
    dataset: str | None,
    start: str | None,
    end: str | None,
    products: list[str] | None,
    amount: str | None,
    outcomes: list[str] | None,
    departments: list[str] | None,
) -> data.ViewState:
    """The view after the reader changed the filter bar (a new dataset clears its choices)."""

    def as_date(value: str | None) -> date | None:
        return date.fromisoformat(value[:10]) if value else None

    changed_dataset = dataset != previous.dataset
    return previous.with_changes(
        dataset=dataset,
        date_from=as_date(start),
        date_to=as_date(end),
        products=() if changed_dataset else tuple(products or ()),
        amount=None if changed_dataset else amount,
        outcomes=tuple(outcomes or ()),
        departments=() if changed_dataset else tuple(departments or ()),
    )


FILTER_INPUTS = [
    Input("filter-dataset", "value"),
    Input("filter-period", "start_date"),
    Input("filter-period", "end_date"),
    Input("filter-product", "value"),
    Input("filter-amount", "value"),
    Input("filter-outcome", "value"),
    Input("filter-department", "value"),
]


# The sync callback's outputs by name: the URL, the remembered language, and the filter
# bar (the fields of :class:`FilterBar`).
SYNC_OUTPUTS: dict[str, Output] = {
    "url": Output("url", "search"),
    "dataset": Output("filter-dataset", "value"),
    "start": Output("filter-period", "start_date"),
    "end": Output("filter-period", "end_date"),
    "products": Output("filter-product", "value"),
    "amount": Output("filter-amount", "value"),
    "outcomes": Output("filter-outcome", "value"),
    "departments": Output("filter-department", "value"),
    "lang": Output("lang-switch", "value"),
    "lang_store": Output("lang-store", "data"),
    "dataset_options": Output("filter-dataset", "options"),
    "product_options": Output("filter-product", "options"),
    "amount_options": Output("filter-amount", "options"),
    "outcome_options": Output("filter-outcome", "options"),
    "department_options": Output("filter-department", "options"),
    "min_date": Output("filter-period", "min_date_allowed"),
    "max_date": Output("filter-period", "max_date_allowed"),
}


@dataclass(frozen=True)
class FilterSync:
    """What the sync callback writes: the URL's query (or no_update when it is already
    right) and the filter bar; :meth:`outputs` names each value as :data:`SYNC_OUTPUTS`."""

    url: Any
    bar: FilterBar

    def outputs(self) -> dict[str, Any]:
        """The callback's outputs by name."""
        values = {name: getattr(self.bar, name) for name in FilterBar.__dataclass_fields__}
        return {"url": self.url, "lang_store": self.bar.lang, **values}


TRANSLATE_DEPENDENCIES = [
    Output({"type": "i18n", "key": ALL}, "children"),
    Output({"type": "nav-link", "path": ALL}, "href"),
    Output("filter-dataset", "placeholder"),
    Output("filter-period", "start_date_placeholder_text"),
    Output("filter-period", "end_date_placeholder_text"),
    Output("filter-product", "placeholder"),
    Output("filter-amount", "placeholder"),
    Output("filter-outcome", "placeholder"),
    Output("filter-department", "placeholder"),
    Output("print-header", "children"),
    Input("url", "search"),
    State({"type": "i18n", "key": ALL}, "id"),
    State({"type": "nav-link", "path": ALL}, "id"),
]


def sync_filters(
    search: str | None,
    dataset: str | None,
    start: str | None,
    end: str | None,
    products: list[str] | None,
    amount: str | None,
    outcomes: list[str] | None,
    departments: list[str] | None,
    lang_choice: str | None,
    _reset: int | None,
    stored_lang: str | None,
) -> dict[str, Any]:
    """Keep the URL, the filter bar and the remembered language in step."""
    return sync_filter_state(
        ctx.triggered_id,
        search,
        [dataset, start, end, products, amount, outcomes, departments],
        lang_choice,
        stored_lang,
    ).outputs()


def sync_filter_state(
    trigger: Any,
    search: str | None,
    controls: list[Any],
    lang_choice: str | None,
    stored_lang: str | None,
) -> FilterSync:
    """The sync callback's logic as a plain function (see :func:`sync_filters`)."""
    try:
        current = resolve_state(search, stored_lang)
    except LoanFlowError:
        current = data.state_from_query(search)
    if trigger == "lang-switch" and lang_choice:
        state = current.with_changes(lang=data.state_from_query(f"?lang={lang_choice}").lang)
    elif trigger == "filter-reset":
        state = data.ViewState(dataset=current.dataset, lang=current.lang)
    elif isinstance(trigger, str) and trigger.startswith("filter-"):
        state = state_from_controls(current, *controls)
    else:
        state = current
    bar = filter_bar_for(state)
    query = state.to_query()
    return FilterSync(url=query if query != (search or "") else dash.no_update, bar=bar)


def translate_frame(
    search: str | None, label_ids: list[dict[str, str]], link_ids: list[dict[str, str]]
) -> tuple[Any, ...]:
    """The frame's labels in the URL's language; page links that keep the view."""
    state = data.state_from_query(search)
    lang = state.lang
    query = state.with_changes(extra=()).to_query()
    everything = t("filter.all", lang)
    return (
        [t(item["key"], lang) for item in label_ids],
        [item["path"] + query for item in link_ids],
        t("filter.dataset", lang),
        t("filter.period_start", lang),
        t("filter.period_end", lang),
        everything,
        everything,
        everything,
        everything,
        print_summary(state),
    )


def print_summary(state: data.ViewState) -> list[Any]:
    """The view's description on a printed page."""
    lang = state.lang
    parts = [f"{t('filter.dataset', lang)}: {state.dataset or '–'}"]
    if state.date_from or state.date_to:
        parts.append(
            f"{t('filter.period', lang)}: "
            f"{fmt_date(state.date_from, lang) if state.date_from else '…'} – "
            f"{fmt_date(state.date_to, lang) if state.date_to else '…'}"
        )
    if state.products:
        parts.append(f"{t('filter.product', lang)}: {', '.join(state.products)}")
    if state.amount:
        low, high = data.parse_amount_band(state.amount)
        parts.append(f"{t('filter.amount', lang)}: {amount_label(low, high, lang)}")
    if state.outcomes:
        names = ", ".join(outcome_label(o, lang) for o in state.outcomes)
        parts.append(f"{t('filter.outcome', lang)}: {names}")
    if state.departments:
        parts.append(f"{t('filter.department', lang)}: {', '.join(state.departments)}")
    return [html.H4(t("app.title", lang)), html.P(" · ".join(parts), className="small")]


LOCALES_SCRIPT = "/_loanflow/locales.js"


def register_locales_script(app: dash.Dash) -> None:
    """Serve the browser's words (vocabulary.browser) as a script the page loads before
    anything renders, so the first grid and chart already speak the reader's language."""
    body = f"window.loanflowLocales = {json.dumps(browser_locales(), ensure_ascii=False)};"

    def locales_script() -> Any:
        return app.server.response_class(body, mimetype="application/javascript")

    app.server.add_url_rule(LOCALES_SCRIPT, "loanflow_locales", locales_script)
    app.config.external_scripts.append(LOCALES_SCRIPT)


def register_callbacks(app: dash.Dash) -> None:
    """Attach the frame's callbacks to ``app`` (each app gets its own)."""
    register_locales_script(app)
    app.callback(
        output=SYNC_OUTPUTS,
        inputs=[
            Input("url", "search"),
            *FILTER_INPUTS,
            Input("lang-switch", "value"),
            Input("filter-reset", "n_clicks"),
        ],
        state=[State("lang-store", "data")],
    )(sync_filters)
    app.callback(*TRANSLATE_DEPENDENCIES)(translate_frame)
    register_export_callback(app)
    # The browser's own words (plotly, the date picker, the grids) follow the language.
    app.clientside_callback(
        """
        function(lang, locales) {
            if (window.loanflowApplyLanguage) { window.loanflowApplyLanguage(lang, locales); }
            return lang;
        }
        """,
        Output("lang-applied", "children"),
        Input("lang-switch", "value"),
        State("lang-locales", "data"),
    )
    # Every page's Print button prints the page (the print stylesheet hides the controls).
    app.clientside_callback(
        """
        function(clicks) {
            const fired = (window.dash_clientside.callback_context.triggered || [])
                .some(function(t) { return t.value; });
            if (fired) { (window.loanflowPrint || window.print)(); }
            return window.dash_clientside.no_update;
        }
        """,
        Output("print-done", "children"),
        Input({"type": "print-button", "page": ALL}, "n_clicks"),
        prevent_initial_call=True,
    )
