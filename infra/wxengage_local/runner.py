"""`wxengage local up` in one object: the local AWS stack plus the WeChat sandbox, started and stopped together."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from wxengage.settings import Settings
from wxengage.store.accounts import AccountStore
from wxengage_local.sandbox import WeChatSandbox
from wxengage_local.stack import LocalStack
from wxengage_local.warp_control import install as install_warp_control


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
        paused: bool = False,
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
        self._uninstall_control: Callable[[], None] | None = None
        if paused and self.stack.clock is not None:
            # Paused from the first moment: an operator sets up campaigns before any leap.
            self.stack.clock.pause()

    def start(self) -> None:
        """Boot AWS, deploy the template, then open the sandbox in front of the webhook."""
        # Handlers read the WeChat API base from settings: point them at the sandbox.
        os.environ["WXENGAGE_WECHAT_API_BASE"] = f"http://127.0.0.1:{self._sandbox_port}"
        self.stack.start()
        settings = Settings.from_stack_outputs(self.stack.outputs)
        self.sandbox = WeChatSandbox(
            AccountStore(settings), self.stack.webhook_base_url, port=self._sandbox_port
        )
        self._uninstall_control = install_warp_control(self.stack.clock)
        self.sandbox.start()

    def stop(self) -> None:
        """Stop the sandbox, then the stack; safe to call twice or after a failed start."""
        if self._uninstall_control is not None:
            self._uninstall_control()
            self._uninstall_control = None
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
            *self._warp_lines(),
        ]

    def _warp_lines(self) -> list[str]:
        warp = self.stack.clock
        if warp is None:
            return []
        state = "PAUSED (time flows at wall speed)" if warp.paused else "leaping when idle"
        return [
            f"virtual clock    : {state}; `wxengage local pause` before setting up several",
            "                   campaigns, `wxengage local resume` to leap again, `wxengage local clock`",
        ]
