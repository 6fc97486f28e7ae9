"""`make build`: the deployment packages `sam build` made, zipped the way `sam deploy` uploads them.

Prints one JSON object: per layer and per function the zipped and unzipped bytes and the file
count; for the layer also the Python it was built for and its largest top-level packages. Exits
1 when the layer carries something it must not: what the Lambda runtime already provides
(boto3, botocore and their dependencies), test or development tools, or caches.

Run: .venv/bin/python infra/package_size.py .aws-sam/build
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

# In every Lambda Python runtime (boto3 and its dependencies): shipping them again only adds bytes.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "dateutil", "six"}
# Never needed at run time.
DEVELOPMENT_ONLY = {
    "moto",
    "pytest",
    "hypothesis",
    "responses",
    "mypy",
    "ruff",
    "cfn_lint",
    "samcli",
}
_ABI = re.compile(r"\.cpython-(\d)(\d+)-")


def zipped_size(files: list[tuple[Path, str]]) -> int:
    """Bytes of a deflate zip of these files (sam deploy zips each artifact folder so)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, name in files:
            archive.write(path, name)
    return len(buf.getvalue())


def _files(root: Path) -> list[tuple[Path, str]]:
    return [(p, p.relative_to(root).as_posix()) for p in sorted(root.rglob("*")) if p.is_file()]


def measure(root: Path) -> dict[str, Any]:
    """Zipped and unzipped bytes and file count of one artifact folder."""
    files = _files(root)
    return {
        "zipped_bytes": zipped_size(files),
        "unzipped_bytes": sum(p.stat().st_size for p, _ in files),
        "files": len(files),
    }


def layer_details(root: Path) -> tuple[dict[str, Any], list[str]]:
    """The layer's Python version, its top-level packages by zipped size, and what is wrong."""
    site = root / "python"
    groups: dict[str, list[tuple[Path, str]]] = {}
    for path, name in _files(root):
        top = path.relative_to(site).parts[0] if path.is_relative_to(site) else name
        top = top.removesuffix(".py").split("-")[0] if top.endswith((".py", ".dist-info")) else top
        groups.setdefault(top, []).append((path, name))
    packages = {top: zipped_size(files) for top, files in groups.items()}
    versions = sorted({f"{m[1]}.{m[2]}" for p, _ in _files(root) if (m := _ABI.search(p.name))})
    problems = [
        f"{top}: the Lambda runtime provides it" for top in groups if top in RUNTIME_PROVIDED
    ]
    problems += [f"{top}: a development tool" for top in groups if top in DEVELOPMENT_ONLY]
    problems += [f"{name}: a bytecode cache" for _, name in _files(root) if "__pycache__" in name]
    if "wxengage" not in groups:
        problems.append("wxengage: the shared package is missing")
    if len(versions) > 1:
        problems.append(f"binary modules for several Pythons: {versions}")
    largest = dict(sorted(packages.items(), key=lambda kv: -kv[1])[:12])
    return {
        "python": versions[0] if versions else None,
        "largest_packages_zipped": largest,
    }, problems


def main(argv: list[str]) -> int:
    build = Path(argv[1] if len(argv) > 1 else ".aws-sam/build")
    if not build.is_dir():
        print(f"{build}: no build here; run `make build` (sam build) first", file=sys.stderr)
        return 1
    layers: dict[str, Any] = {}
    functions: dict[str, Any] = {}
    problems: list[str] = []
    for artifact in sorted(p for p in build.iterdir() if p.is_dir()):
        if (artifact / "python").is_dir():
            details, wrong = layer_details(artifact)
            layers[artifact.name] = measure(artifact) | details
            problems += [f"{artifact.name}: {w}" for w in wrong]
        else:
            functions[artifact.name] = measure(artifact)
    total = sum(a["zipped_bytes"] for a in [*layers.values(), *functions.values()])
    report = {
        "build_dir": str(build),
        "layers": layers,
        "functions": functions,
        "total_zipped_bytes": total,
        "problems": problems,
    }
    print(json.dumps(report, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
