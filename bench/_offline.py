"""Shared start of the offline benchmarks: the repo's packages on sys.path, fake AWS credentials.

Imported first by each bench script, before anything that reads the environment.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers/wxengage"), str(ROOT / "infra"), str(ROOT / "cli"), str(ROOT)]
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="1",
)
# moto in this process, or the local stack's own endpoint once it starts: never a stale one.
os.environ.pop("AWS_ENDPOINT_URL", None)
