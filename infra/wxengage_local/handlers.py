"""Loading a function's handler from its code folder, and a Lambda context to call it with."""

from __future__ import annotations

import importlib.util
import sys
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wxengage_local.template import FunctionSpec

Handler = Callable[[Any, Any], Any]
_cache: dict[tuple[Path, str], Handler] = {}
_lock = threading.Lock()


def load_handler(code_uri: Path, handler: str) -> Handler:
    """Import `<code_uri>/<module>.py` under a unique name (every function's file is app.py)."""
    module_name, _, func_name = handler.rpartition(".")
    key = (code_uri.resolve(), handler)
    with _lock:
        if key not in _cache:
            path = key[0] / f"{module_name.replace('.', '/')}.py"
            unique = f"wxengage_fn_{key[0].name}_{module_name.replace('.', '_')}"
            spec = importlib.util.spec_from_file_location(unique, path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load handler {handler} from {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            spec.loader.exec_module(module)
            _cache[key] = getattr(module, func_name)
        return _cache[key]


class FakeLambdaContext:
    """Enough of Lambda's context object for Powertools and our handlers."""

    def __init__(
        self, function_name: str, memory_limit_in_mb: int = 512, timeout_ms: int = 10_000
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = (
            f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        )
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._timeout_ms = timeout_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


def invoke_in_process(function: FunctionSpec, event: dict[str, Any]) -> Any:
    """Run a template function's handler in this process, as Lambda would."""
    handler = load_handler(function.code_uri, function.handler)
    return handler(event, FakeLambdaContext(function.logical_id))
