"""``loanflow serve`` (the dashboard) and ``loanflow demo`` (sample logs, then the dashboard)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import click

from etl.settings import get
from loanflow.commands.common import db_option

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_logs"


def _serve(app: Any, host: str, port: int, on_ready: Any = None) -> None:
    """Serve a Dash app with werkzeug's threaded server until interrupted."""
    from werkzeug.serving import make_server

    server = make_server(host, port, app.server, threaded=True)
    url = f"http://{host}:{server.server_port}/"
    click.echo(f"LoanFlow dashboard: {url}  (Ctrl+C stops it)")
    if on_ready is not None:
        on_ready(url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.server_close()


@click.command("serve")
@db_option
@click.option(
    "--host",
    default=lambda: get("host"),
    show_default="LOANFLOW_HOST, else 127.0.0.1",
    help="Address to bind; keep 127.0.0.1 unless sign-in is on and you mean to share it.",
)
@click.option(
    "--port",
    type=int,
    default=lambda: int(get("port")),
    show_default="LOANFLOW_PORT, else 8050",
    help="Port to listen on (0 picks a free one).",
)
@click.option("--no-auth", is_flag=True, help="Run without sign-in (local, single-user use).")
def serve(db: str | None, host: str, port: int, no_auth: bool) -> None:
    """Start the dashboard on the store (http://127.0.0.1:8050 by default)."""
    from dashboard.app import create_app

    if no_auth:
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"--no-auth serves on 127.0.0.1 only, not on {host}.", err=True)
            host = "127.0.0.1"
        click.echo(
            "WARNING: SIGN-IN IS OFF. Anyone on this machine can view, load and delete data. "
            "Use --no-auth only for a local demo.",
            err=True,
        )
    else:
        from dashboard.auth import require_users

        require_users(db)  # nobody could sign in to a store without users
    app = create_app(db, auth=not no_auth, warm=True)
    _serve(app, host, port)


@click.command("demo")
@db_option
@click.option(
    "--port",
    type=int,
    default=lambda: int(get("port")),
    show_default="LOANFLOW_PORT, else 8050",
    help="Port to listen on.",
)
@click.option("--open-browser/--no-open-browser", default=False, help="Open the URL.")
def demo(db: str | None, port: int, open_browser: bool) -> None:
    """Load the sample before/after logs (generating them if needed), then serve.

    The dashboard runs without sign-in on 127.0.0.1 and opens on the Overview.
    """
    from dashboard.app import create_app
    from dashboard.demo import ensure_demo_data  # sample logs in, if missing

    for line in ensure_demo_data(db, SAMPLE_DIR):
        click.echo(line)
    app = create_app(db, auth=False, warm=True)

    def ready(url: str) -> None:
        if open_browser:
            import webbrowser

            threading.Timer(1.0, webbrowser.open, args=(url,)).start()

    _serve(app, "127.0.0.1", port, ready)


COMMANDS = [serve, demo]
