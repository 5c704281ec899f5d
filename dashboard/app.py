"""The dashboard's app factory: a multi-page Dash app over one LoanFlow store."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import dash
from flask import Response, request

from dashboard import data
from dashboard.shell import frame_layout, register_callbacks
from dashboard.uploads import register_upload_route, start_sweeping
from dashboard.warm import warm_at_start
from etl.errors import LoanFlowError
from etl.store import StoreBusyError

HERE = Path(__file__).resolve().parent


def create_app(
    db_path: str | Path | None = None, *, auth: bool = True, warm: bool = False
) -> dash.Dash:
    """Build the dashboard over the store at ``db_path`` (``--db`` / ``LOANFLOW_DB``).

    With ``auth`` on, ``dashboard.auth.install_auth(app)`` adds sign-in and the role checks;
    without it (``loanflow serve --no-auth``, local use) every page is open. With ``warm``,
    the default views are computed in the background at once (:mod:`dashboard.warm`: every
    dataset's, the one opened first before the others; on the lake that one's only).
    """
    path = data.configure(db_path)
    if not path.exists():
        # The dashboard is the store's one writer in its process: create and migrate it.
        with data.cursor():
            pass
    data.store_changed()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="LoanFlow",
        update_title="",
        suppress_callback_exceptions=True,
    )
    app.layout = frame_layout
    register_callbacks(app)
    # Take the page modules' callbacks now, so that several apps in one process (tests,
    # scripts) each get their own copy rather than the first request's app taking all.
    app._setup_server()
    app.server.config["LOANFLOW_AUTH"] = auth
    app.server.config["LOANFLOW_DB"] = str(path)
    register_upload_route(app.server)
    start_sweeping()  # uploads never loaded do not stay on disk
    app.server.register_error_handler(StoreBusyError, _store_busy)

    @app.server.before_request
    def use_this_store() -> None:
        # One app per process in production; tests and scripts may hold several.
        if data.STORE.path != path:
            data.configure(path)

    answer_unknown_pages_with_404(app)
    if auth:
        _install_auth(app)
    if warm:
        warm_at_start()
    return app


def _store_busy(error: StoreBusyError) -> Response:
    """A request that waited too long for a command holding the store: 503, say why."""
    body = json.dumps({"error": str(error)}, ensure_ascii=False)
    response = Response(body, status=503, mimetype="application/json")
    response.headers["Retry-After"] = "5"
    return response


def page_paths() -> set[str]:
    """The addresses of the dashboard's pages (the 404 page's own excluded)."""
    return {
        str(page["path"])
        for page in dash.page_registry.values()
        if not str(page["module"]).endswith("not_found_404")
    }


def answer_unknown_pages_with_404(app: dash.Dash) -> None:
    """Serve an address that is no page with HTTP status 404 (the renderer then shows the
    'Page not found' page): Dash answers every path with its index page and status 200."""

    @app.server.after_request
    def not_found(response: Response) -> Response:
        if request.endpoint == "/<path:path>" and response.status_code == 200:
            path = "/" + (request.view_args or {}).get("path", "").strip("/")
            if path not in page_paths():
                response.status_code = 404
        return response


def _install_auth(app: dash.Dash) -> None:
    try:
        auth = importlib.import_module("dashboard.auth")
    except ModuleNotFoundError as exc:
        raise LoanFlowError(
            "Sign-in is not available in this installation; start the dashboard with "
            "--no-auth to run it without accounts.",
            code="sign_in_unavailable",
        ) from exc
    auth.install_auth(app)
