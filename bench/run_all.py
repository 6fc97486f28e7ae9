"""`make bench`: run every benchmark in bench/ and write all their figures to one JSON file.

Each benchmark prints one JSON object comparing itself with a named baseline; this collects
them under their names with the machine they ran on. Run: .venv/bin/python bench/run_all.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "webhook.py",
    "console.py",
    "sweep.py",
    "sweep_catch_up.py",
    "broadcast_plan.py",
    "load.py",
    "replan.py",
]


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results.json"
    results: dict[str, object] = {}
    failed = []
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"== {name}", flush=True)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-W", "ignore", str(script)],
            capture_output=True,
            text=True,
            check=False,
        )
        print(proc.stdout, flush=True)
        try:
            figures = json.loads(proc.stdout)
        except json.JSONDecodeError:
            figures = {"error": "no JSON on stdout", "stderr_tail": proc.stderr[-2000:]}
        if proc.returncode != 0:
            failed.append(name)
            figures = {
                "exit_code": proc.returncode,
                **(figures if isinstance(figures, dict) else {}),
            }
        results[name.removesuffix(".py")] = figures | {
            "seconds": round(time.monotonic() - started, 1)
        }
    doc = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "benchmarks": results,
        "failed": failed,
    }
    out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"all figures written to {out}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
