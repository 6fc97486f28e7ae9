"""Loading a function's handler from its code folder, and a Lambda context to call it with."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the template module pulls samtranslator; handler tests need none of it
    from wxengage_local.template import FunctionSpec

Handler = Callable[[Any, Any], Any]
_cache: dict[tuple[Path, str], Handler] = {}
_lock = threading.Lock()


def load_handler(code_uri: Path, handler: str) -> Handler:
    """Import `<code_uri>/<module>.py` once, under a name unique to its folder.

    Every function's file is app.py: importing them all as `app` would hand the second
    function the first one's code.
    """
    module_name, _, func_name = handler.rpartition(".")
    if not module_name:
        raise ValueError(f"handler {handler!r} is not module.function")
    folder = Path(code_uri).resolve()
    key = (folder, handler)
    with _lock:
        if key not in _cache:
            path = folder / f"{module_name.replace('.', '/')}.py"
            digest = hashlib.sha1(str(folder).encode()).hexdigest()[:10]
            unique = f"_wxengage_fn_{folder.name}_{digest}_{module_name.replace('.', '_')}"
            spec = importlib.util.spec_from_file_location(unique, path)
            if spec is None or spec.loader is None or not path.is_file():
                raise ImportError(f"cannot load handler {handler} from {path}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[unique] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[unique]  # a broken import must not be cached half-done
                raise
            func = getattr(module, func_name, None)
            if not callable(func):
                raise ImportError(f"{path} has no callable {func_name!r}")
            _cache[key] = func
        return _cache[key]


class FakeLambdaContext:
    """Lambda's context object, enough for Powertools' inject_lambda_context and our handlers."""

    def __init__(
        self,
        function_name: str,
        memory_limit_in_mb: int = 512,
        timeout_ms: int = 10_000,
        invoked_function_arn: str | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = memory_limit_in_mb
        self.invoked_function_arn = (
            invoked_function_arn or f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        )
        self.aws_request_id = str(uuid.uuid4())  # one context per invocation, as in Lambda
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before Lambda would stop this invocation (never negative)."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def context_for(function: FunctionSpec, function_name: str | None = None) -> FakeLambdaContext:
    """A fresh context with the function's memory size and timeout."""
    return FakeLambdaContext(
        function_name or function.logical_id,
        memory_limit_in_mb=function.memory_mb,
        timeout_ms=function.timeout_s * 1000,
    )


class Activity:
    """How many handler invocations are running, and when the last one ended.

    The warp clock jumps only while nothing runs, so an invocation never sees time leap mid-way.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.last_change = time.monotonic()

    def __enter__(self) -> None:
        with self._lock:
            self.running += 1
            self.last_change = time.monotonic()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.running -= 1
            self.last_change = time.monotonic()

    def idle_for(self) -> float:
        """Seconds since the last invocation ended (0 while one runs)."""
        with self._lock:
            return 0.0 if self.running else time.monotonic() - self.last_change


ACTIVITY = Activity()


# One environment per function, one request at a time in it, as in Lambda: handlers and the
# libraries they use (Powertools' resolver keeps its request in `app.context`) count on it.
_ENVIRONMENTS: dict[str, threading.RLock] = {}
_ENVIRONMENTS_LOCK = threading.Lock()


def _environment(function: FunctionSpec) -> threading.RLock:
    with _ENVIRONMENTS_LOCK:
        return _ENVIRONMENTS.setdefault(function.logical_id, threading.RLock())


def invoke_in_process(function: FunctionSpec, event: Any) -> Any:
    """Run a template function's handler in this process, as Lambda would (one at a time)."""
    handler = load_handler(function.code_uri, function.handler)
    with ACTIVITY, _environment(function):
        return handler(event, context_for(function))
