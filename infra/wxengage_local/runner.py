"""`wxengage local up` in one object: the local AWS stack plus the WeChat sandbox, started and stopped together."""

from __future__ import annotations

import os
from pathlib import Path

from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.stack import LocalStack


class LocalRun:
    """The local stack with its WeChat sandbox; the handlers call the sandbox as their WeChat API."""

    def __init__(
        self,
        template_path: Path,
        *,
        port: int = 3000,
        aws_port: int = 4566,
        sandbox_port: int = 3100,
        stack_name: str = "wxengage",
        speed: float = 1.0,
        warp: bool = False,
    ) -> None:
        self.stack = LocalStack(
            template_path,
            port=port,
            aws_port=aws_port,
            stack_name=stack_name,
            speed=speed,
            warp=warp,
        )
        self._sandbox_port = sandbox_port
        self.sandbox: WeChatSandbox | None = None

    def start(self) -> None:
        """Boot AWS, deploy the template, then open the sandbox in front of the webhook."""
        # Handlers read the WeChat API base from settings: point them at the sandbox.
        os.environ["WXENGAGE_WECHAT_API_BASE"] = f"http://127.0.0.1:{self._sandbox_port}"
        self.stack.start()
        settings = Settings.from_stack_outputs(self.stack.outputs)
        self.sandbox = WeChatSandbox(
            AccountStore(settings), self.stack.webhook_base_url, port=self._sandbox_port
        )
        self.sandbox.start()

    def stop(self) -> None:
        """Stop the sandbox, then the stack; safe to call twice or after a failed start."""
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        self.stack.stop()

    def banner(self) -> list[str]:
        """What a person needs to use the running stack from another terminal."""
        sandbox_url = self.sandbox.url if self.sandbox else "-"
        return [
            f"webhook base URL : {self.stack.webhook_base_url}/wechat/<app_id>",
            f"WeChat sandbox   : {sandbox_url}",
            f"embedded AWS     : {self.stack.aws_endpoint_url}",
            "in another terminal:",
            f"  export AWS_ENDPOINT_URL={self.stack.aws_endpoint_url}",
            "  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
            f"  export WXENGAGE_SANDBOX_URL={sandbox_url}",
        ]
