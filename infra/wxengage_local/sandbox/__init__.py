"""The WeChat sandbox: plays WeChat for the local stack, both its API and its callbacks."""

from wxengage_local.sandbox.core import AccountSource, WeChatSandbox

__all__ = ["AccountSource", "WeChatSandbox"]
