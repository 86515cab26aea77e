"""The web front (网页端): ``rectify serve`` (SPEC §13)."""

from __future__ import annotations

import click

from rectify.cli.common import App, pass_app, say, whole


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; behind nginx keep 127.0.0.1 (监听地址).")
@click.option("--port", type=whole(1, 65535), default=8000, show_default=True, help="Port (端口).")
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """Serve the web front (网页端) on the same database and configuration as the commands.

    Township cadres, first secretaries, county officers, verifiers, approvers and city supervisors sign in
    with their login and the password set by `rectify people password`. Put it behind nginx with TLS
    (deploy/nginx-rectify.conf); the reminder scheduler stays its own process (rectify scheduler start).

    \b
    Example:
      rectify serve                          http://127.0.0.1:8000
      rectify --db /srv/rectify/county.sqlite serve --port 8080
    """
    import uvicorn

    from rectify.service import Service
    from rectify.web.app import create_app

    service = Service.open(app.db_url or app.config.database.url or None, app.config, app.clock())
    web_app = create_app(service)
    say(f"网页端：http://{host}:{port}/ （Ctrl-C 停止）")
    uvicorn.run(web_app, host=host, port=port, proxy_headers=False, server_header=False, log_level="warning")
