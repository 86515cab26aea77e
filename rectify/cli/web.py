"""The web front (网页端): ``rectify serve`` (SPEC §13)."""

from __future__ import annotations

import click

from rectify.cli.common import App, pass_app, say, whole


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="监听地址；放在 nginx 之后时保持 127.0.0.1。")
@click.option("--port", type=whole(1, 65535), default=8000, show_default=True, help="端口。")
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """启动网页端，与命令行使用同一数据库和配置。

    乡镇干部、第一书记、县委组织部经办人、验收人、审批人和市级督查人员用登录名和 rectify people password
    设置的密码登录。请放在启用 TLS 的 nginx 之后（deploy/nginx-rectify.conf）；定时提醒服务另行运行
    （rectify scheduler start）。

    \b
    示例：
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
