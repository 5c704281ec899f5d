"""Sign-in for the dashboard: sessions, CSRF, rate limiting and role checks on the server.

``install_auth(app)`` makes the Flask server behind the Dash app:

- serve nothing to a visitor who has not signed in but the sign-in page (and the one style
  sheet it uses): pages redirect to ``/login``, Dash's JSON routes and uploads answer 401;
- keep the sign-in as a session in the store (``accounts.sessions``) whose random token
  travels in a signed, HTTP-only, ``SameSite=Strict`` cookie (``Secure`` over https, or
  always with ``LOANFLOW_SECURE_COOKIES=1``), looked up on every request, so sign-out, a
  disabled user, a changed role or a changed password end it at once;
- require a CSRF token on every POST: the sign-in form carries it as a field, Dash's
  ``/_dash-update-component`` and ``POST /upload`` as the ``X-CSRFToken`` header (the Dash
  renderer sends the ``_csrf_token`` cookie's value in that header by itself, and the page
  carries the token in a ``csrf-token`` meta tag for the upload script);
- refuse sign-in after too many failures for one user name or from one address, counting
  the attempts in flight too (``accounts.SignInGate``);
- check roles by the page-name prefix of a callback's output ids (``data-*`` needs analyst,
  ``compare-*`` evaluator, ``admin-*`` admin, anything else viewer), and analyst for
  ``POST /upload``: a forged request is refused with 403, not merely hidden;
- write sign-ins, failures and refusals to the audit log.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterable
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import dash
from flask import Flask, Response, current_app, g, has_request_context, redirect, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from werkzeug.wrappers import Response as BaseResponse

import accounts
from etl import settings
from etl.errors import LoanFlowError
from etl.store import using
from vocabulary import LANGUAGE_NAMES, normalise_language, t

LOGIN_PATH = "/login"
LOGOUT_PATH = "/logout"
UPDATE_PATH = "/_dash-update-component"
UPLOAD_PATH = "/upload"
CSRF_COOKIE = "_csrf_token"  # the name the Dash renderer reads for its X-CSRFToken header
# What a visitor who has not signed in may fetch besides the sign-in page.
PUBLIC_ASSETS = frozenset({"/assets/00_bootstrap.min.css", "/_favicon.ico"})
# The role a callback needs, by the page-name prefix of its output ids.
PREFIX_ROLES = (("data-", "analyst"), ("compare-", "evaluator"), ("admin-", "admin"))

_SESSION_TOKEN = "lf_session"  # the random token of the session kept in the store
_GATE = accounts.SignInGate()


# --- the secret key ----------------------------------------------------------------------


def secret_key_path() -> Path:
    """Where the session-signing key is kept (setting ``secret_key_file``)."""
    named = settings.get("secret_key_file").strip()
    return Path(named) if named else Path(settings.get("cache_dir")) / "secret_key"


def load_or_create_secret_key(path: Path | None = None) -> bytes:
    """The session-signing key, created (random, mode 0600) when the file is missing."""
    target = path or secret_key_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise LoanFlowError(
            f"Cannot create the session key file {target}: {exc.strerror}. Set "
            "LOANFLOW_SECRET_KEY_FILE or LOANFLOW_CACHE_DIR to a writable place.",
            code="session_key_create",
            target=target,
            reason=exc.strerror,
        ) from None
    else:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    try:
        key = target.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise LoanFlowError(
            f"Cannot read the session key file {target}: {exc}.",
            code="session_key_unreadable",
            target=target,
            reason=exc,
        ) from None
    if len(key) < 32:
        raise LoanFlowError(
            f"The session key file {target} holds too short a key; delete it and LoanFlow "
            "makes a new one (everyone then signs in again).",
            code="session_key_short",
            target=target,
        )
    return key.encode("ascii")


# --- cookies -----------------------------------------------------------------------------


def _secure_cookies() -> bool:
    mode = settings.get("secure_cookies").strip().lower()
    if mode in ("1", "true", "yes", "on"):
        return True
    if mode in ("0", "false", "no", "off"):
        return False
    return has_request_context() and request.is_secure


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, marked Secure per request when set to ``auto``."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return _secure_cookies()


# --- who is signed in --------------------------------------------------------------------


def _db() -> str:
    return str(current_app.config["LOANFLOW_AUTH_DB"])


def _signed_in_user() -> tuple[str, str] | None:
    """The user of the session the cookie names, if the store says it is still live."""
    token = session.get(_SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    with using(_db()) as con:
        return accounts.session_user(con, token)


def current_user() -> tuple[str, str] | None:
    """``(username, role)`` of the signed-in user of this request, or None."""
    if not has_request_context():
        return None
    if "lf_user" not in g:
        g.lf_user = _signed_in_user()
    user: tuple[str, str] | None = g.lf_user
    return user


def _remote() -> str | None:
    return request.remote_addr


def _audit(user: str | None, action: str, target: str | None, detail: str = "") -> None:
    window = int(settings.get("signin_window_seconds"))
    with using(_db()) as con:
        accounts.audit(
            con, user, action, target, detail, remote_addr=_remote(), window_seconds=window
        )


# --- roles -------------------------------------------------------------------------------


def role_for_component(component_id: Any) -> str:
    """The role a callback output on this component needs, by its page-name prefix."""
    if isinstance(component_id, dict):
        # a generic component (a table export) carries its page in its name
        names = [str(component_id.get("type", "")), str(component_id.get("name", ""))]
    else:
        names = [str(component_id)]
    for name in names:
        for prefix, role in PREFIX_ROLES:
            if name.startswith(prefix):
                return role
    return "viewer"


def output_ids(output: str) -> list[Any]:
    """The component ids in a Dash callback's output key (``id.prop`` or ``..a.p...b.q..``).

    Pattern-matching ids appear as JSON objects; they are returned as dicts.
    """
    text = output
    parts = text[2:-2].split("...") if text.startswith("..") and text.endswith("..") else [text]
    ids: list[Any] = []
    for part in parts:
        component, _, _prop = part.rpartition(".")
        if component.startswith("{"):
            try:
                ids.append(json.loads(component))
                continue
            except ValueError:
                pass
        ids.append(component)
    return ids


def roles_for_update(body: Any) -> set[str]:
    """Every role a ``/_dash-update-component`` request needs (by the callback it runs)."""
    output = body.get("output") if isinstance(body, dict) else None
    if not isinstance(output, str):
        return {"admin"}  # not a callback request Dash would run: only an admin gets past
    roles = {role_for_component(c) for c in output_ids(output)}
    # A pattern-matching output names its components in ``outputs`` (``output`` holds the
    # wildcard): a table export's page is in its concrete id.
    return roles | {role_for_component(c) for c in concrete_output_ids(body.get("outputs"))}


def concrete_output_ids(outputs: Any) -> list[Any]:
    """The component ids in a request's ``outputs`` (one, a list, or lists for ALL)."""
    items = outputs if isinstance(outputs, list) else [outputs]
    found: list[Any] = []
    for item in items:
        if isinstance(item, list):
            found += concrete_output_ids(item)
        elif isinstance(item, dict) and isinstance(item.get("id"), dict | str):
            found.append(item["id"])
    return found


def roles_needed() -> set[str]:
    """The roles the current request needs (judged by the route that will answer it)."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    if UPDATE_PATH in (rule, request.path) and request.method == "POST":
        return roles_for_update(request.get_json(silent=True))
    if UPLOAD_PATH in (rule, request.path):
        return {"analyst"}
    return {"viewer"}


def _allowed(role: str, needed: Iterable[str]) -> bool:
    return all(accounts.has_role(role, n) for n in needed)


# --- sign-in page ------------------------------------------------------------------------

# Browser tags the sign-in page matches Accept-Language against (read by normalise_language).
_BROWSER_TAGS = ["en", "zh-TW", "zh-HK", "zh-MO", "zh-Hant", "zh-CN", "zh-SG", "zh-Hans", "zh"]


def _language() -> str:
    """The sign-in page's language: ``?lang=``, else the browser's preference."""
    asked = (request.args.get("lang") or request.form.get("lang") or "").strip()
    if asked:
        return normalise_language(asked)
    return normalise_language(request.accept_languages.best_match(_BROWSER_TAGS))


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in (anything else, e.g. another site, becomes /)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _login_page(message_key: str | None = None, status: int = 200, username: str = "") -> Response:
    lang = _language()
    text = {k: escape(t(f"signin.{k}", lang)) for k in ("title", "user", "password", "submit")}
    message = ""
    if message_key:
        kind = "secondary" if message_key == "out" else "danger"
        words = escape(t(f"signin.{message_key}", lang))
        message = f'<div class="alert alert-{kind}" role="alert">{words}</div>'
    others = " · ".join(
        f'<a href="{LOGIN_PATH}?{escape(urlencode({"lang": code, "next": _next_arg()}))}">'
        f"{name}</a>"
        for code, name in LANGUAGE_NAMES.items()
        if code != lang
    )
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{text["title"]}</title>
<link rel="stylesheet" href="/assets/00_bootstrap.min.css">
</head><body class="bg-light">
<main class="container" style="max-width: 24rem; margin-top: 10vh">
<h1 class="h4 mb-3">{text["title"]}</h1>
{message}
<form method="post" action="{LOGIN_PATH}" autocomplete="on">
<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">
<input type="hidden" name="next" value="{escape(_next_arg())}">
<input type="hidden" name="lang" value="{lang}">
<div class="mb-3"><label class="form-label" for="username">{text["user"]}</label>
<input class="form-control" id="username" name="username" value="{escape(username)}"
 autocomplete="username" required autofocus></div>
<div class="mb-3"><label class="form-label" for="password">{text["password"]}</label>
<input class="form-control" id="password" name="password" type="password"
 autocomplete="current-password" required></div>
<button class="btn btn-primary w-100" id="sign-in" type="submit">{text["submit"]}</button>
</form>
<p class="small text-muted mt-3">{others}</p>
</main></body></html>"""
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _next_arg() -> str:
    return safe_next(request.values.get("next"))


def _limits() -> accounts.Limits:
    return accounts.Limits(
        per_name=int(settings.get("signin_max_failures")),
        per_address=int(settings.get("signin_max_failures_per_address")),
        window_seconds=int(settings.get("signin_window_seconds")),
    )


def _store() -> Any:
    return using(_db())


def _sign_in() -> BaseResponse:
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    with _GATE.attempt(_store, username, _remote(), _limits()) as allowed:
        if not allowed:
            _audit(username or None, "sign-in-refused", username, "rate limit")
            return _login_page("blocked", 429, username)
        with using(_db()) as con:
            user = accounts.verify(con, username, password)
        if user is None:
            _audit(username or None, "sign-in-failure", username)  # before the gate reopens
            return _login_page("failed", 401, username)
    hours = float(settings.get("session_hours"))
    with using(_db()) as con:
        accounts.forget_old_sessions(con)
        token = accounts.start_session(con, user.username, hours=hours, remote_addr=_remote())
    session.clear()  # a new session for the new sign-in (no fixation)
    session.permanent = True
    session[_SESSION_TOKEN] = token
    _audit(user.username, "sign-in", user.username, user.role)
    return redirect(_next_arg(), code=303)


def _sign_out() -> BaseResponse:
    user = current_user()
    token = session.get(_SESSION_TOKEN)
    with using(_db()) as con:
        accounts.end_session(con, token if isinstance(token, str) else None)
    if user is not None:
        _audit(user[0], "sign-out", user[0])
    session.clear()
    g.pop("lf_user", None)
    response = redirect(f"{LOGIN_PATH}?{urlencode({'lang': _language(), 'out': '1'})}", 303)
    response.delete_cookie(CSRF_COOKIE, samesite="Strict")
    return response


def _login_view() -> BaseResponse:
    if request.method == "POST":
        return _sign_in()
    return _login_page("out" if request.args.get("out") else None)


# --- enforcement -------------------------------------------------------------------------


def _is_page_request() -> bool:
    """A GET of a page (sent to the sign-in page), not of Dash's JSON or a file."""
    return request.method == "GET" and not request.path.startswith(
        ("/_dash-", "/assets/", "/_favicon", UPLOAD_PATH)
    )


def _json_refusal(status: int, message: str) -> Response:
    return Response(
        json.dumps({"error": message}, ensure_ascii=False),
        status=status,
        mimetype="application/json",
    )


def _enforce() -> BaseResponse | None:
    """``before_request``: sign-in first, then the role the request needs."""
    if request.path in (LOGIN_PATH, LOGOUT_PATH) or request.path in PUBLIC_ASSETS:
        return None
    user = current_user()
    if user is None:
        if _is_page_request():
            target = request.full_path.rstrip("?")
            return redirect(f"{LOGIN_PATH}?{urlencode({'next': target})}", 302)
        return _json_refusal(401, "Sign in first.")
    needed = roles_needed()
    if not _allowed(user[1], needed):
        _audit(user[0], "refused", request.path, f"needs {', '.join(sorted(needed))}")
        return _json_refusal(
            403, f"Your role ({user[1]}) may not do this; it needs {', '.join(sorted(needed))}."
        )
    return None


def _csrf_failed(error: CSRFError) -> Response:
    if request.path == LOGIN_PATH:
        return _login_page("expired", 400)
    return _json_refusal(400, f"Refused: {error.description} Reload the page and try again.")


def _too_large(_error: Exception) -> Response:
    limit = settings.get("max_upload_mb")
    return _json_refusal(
        413,
        f"The file is larger than the {limit} MB upload limit (setting "
        "LOANFLOW_MAX_UPLOAD_MB); load it with `loanflow ingest` or raise the limit.",
    )


def _add_headers(response: Response) -> Response:
    """After each request: the CSRF cookie for the Dash renderer, and defensive headers."""
    if current_user() is not None and response.mimetype == "text/html":
        response.set_cookie(
            CSRF_COOKIE,
            generate_csrf(),
            secure=_secure_cookies(),
            httponly=False,  # the Dash renderer reads it to send the X-CSRFToken header
            samesite="Strict",
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _csrf_meta(app: dash.Dash) -> None:
    """Put the CSRF token in a ``csrf-token`` meta tag of the Dash page (for uploads)."""
    original = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        meta = f'<meta name="csrf-token" content="{escape(generate_csrf())}">'
        kwargs["metas"] = meta + kwargs.get("metas", "")
        return str(original(**kwargs))

    setattr(app, "interpolate_index", interpolate_index)  # noqa: B010 (an instance hook)


def _configure(server: Flask, db: str) -> None:
    server.config["LOANFLOW_AUTH_DB"] = db
    server.secret_key = load_or_create_secret_key()
    server.session_interface = _SessionInterface()
    server.config.update(
        SESSION_COOKIE_NAME="loanflow_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=float(settings.get("session_hours"))),
        # No request body beyond the upload limit is read or parsed (forms included).
        MAX_CONTENT_LENGTH=int(float(settings.get("max_upload_mb")) * 1024 * 1024),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the sign-in
        WTF_CSRF_SSL_STRICT=True,
    )
    hops = int(settings.get("proxy_hops"))
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        server.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            server.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


def install_auth(app: dash.Dash, *, db_path: str | os.PathLike[str] | None = None) -> None:
    """Require sign-in and enforce roles on every route of ``app``'s Flask server."""
    server: Flask = app.server
    db = str(db_path or server.config.get("LOANFLOW_DB") or settings.db_path())
    _configure(server, db)
    server.add_url_rule(LOGIN_PATH, "loanflow_login", _login_view, methods=["GET", "POST"])
    server.add_url_rule(LOGOUT_PATH, "loanflow_logout", _sign_out, methods=["GET", "POST"])
    # Sign-in and roles are checked before the CSRF token: refusals say why.
    server.before_request_funcs.setdefault(None, []).insert(0, _enforce)
    CSRFProtect(server)
    server.register_error_handler(CSRFError, _csrf_failed)
    server.register_error_handler(413, _too_large)
    server.after_request(_add_headers)
    _csrf_meta(app)


def require_users(db_path: str | os.PathLike[str] | None = None) -> None:
    """Refuse to serve with sign-in on while the store has no accounts (nobody could enter)."""
    with using(db_path) as con:
        count = accounts.user_count(con)
    if count == 0:
        raise LoanFlowError(
            "Sign-in is on but the store has no users yet, so nobody could sign in. Create "
            "one with `loanflow users add NAME --role admin`, then start the dashboard again "
            "(or use --no-auth for a local demo on 127.0.0.1).",
            code="sign_in_no_users",
        )
