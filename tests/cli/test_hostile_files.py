"""Hostile or broken rule and campaign files: one clear line naming the file, exit 1, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.callbacks import APP_ID, register, snapshot
from wxengage.settings import Settings
from wxengage.store.aws import client
from wxengage_cli.files import MAX_DEPTH
from wxengage_cli.main import cli

RULE = b"name: r1\nlead_minutes: 30\ncontent: {kind: custom, replies: [{type: text, text: hi}]}\n"

# (file name, its bytes, what the one line must say). Generated here, never checked in.
CORPUS: list[tuple[str, bytes, str]] = [
    ("deep-flow.yaml", b"a: " + b"[" * 5000 + b"]" * 5000, f"nested deeper than {MAX_DEPTH}"),
    (
        "deep-block.yaml",
        "".join("  " * i + f"k{i}:\n" for i in range(200)).encode(),
        f"line {MAX_DEPTH}, column",
    ),
    ("deep.json", b'{"a":' * 3000 + b"1" + b"}" * 3000, "nested deeper than"),
    (
        "huge-float.yaml",
        RULE + b"holdout_percent: 1.0e+400\n",
        "line 4, column 18: '1.0e+400' is not a finite",
    ),
    # YAML 1.1 reads 1e400 (no dot, no sign) as a string; the model then refuses the field.
    ("1e400.json", b'{"name": "r1", "lead_minutes": 1e400}', "lead_minutes: "),
    ("nan.yaml", RULE + b"holdout_percent: .nan\n", "is not a finite number"),
    ("huge-int.yaml", RULE.replace(b"30", b"9" * 5000), "a number of 5000 digits is too large"),
    ("huge-int.json", b'{"lead_minutes": ' + b"1" * 100_000 + b"}", "digits is too large"),
    ("latin-1.yaml", "name: caf\u00e9\n".encode("latin-1"), "line 1: not UTF-8 text (byte 0xe9"),
    ("utf-16.yaml", RULE.decode().encode("utf-16"), "not UTF-8 text (byte 0xff at offset 0)"),
    ("nul.yaml", b"name: a\x00b\n", "character #x0000 is not allowed"),
    ("dup.yaml", RULE + b"name: r2\n", "line 4, column 1: duplicate key 'name' (first at line 1)"),
    ("dup-flow.json", b'{"name": "a", "name": "b"}', "duplicate key 'name'"),
    (
        "dup-nested.yaml",
        b"name: r1\ncontent:\n  kind: custom\n  kind: default\n",
        "line 4, column 3: duplicate key 'kind' (first at line 3)",
    ),
    (
        "billion-laughs.yaml",
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + b"".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n".encode()
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "anchors and aliases (&name, *name) are not accepted",
    ),
    ("merge.yaml", b"<<: {lead_minutes: 30}\nname: r1\n", "merge keys (<<) are not accepted"),
    (
        "python-object.yaml",
        b"name: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
        "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply",
    ),
    (
        "custom-tag.yaml",
        b"name: !secret x\n",
        "could not determine a constructor for the tag '!secret'",
    ),
    ("bad-date.yaml", b"send_at: 2026-13-45\n", "cannot read '2026-13-45': month must be in 1..12"),
    ("tag-misfit.yaml", b"name: !!timestamp hello\n", "cannot read 'hello' as !!timestamp"),
    ("surrogate.json", b'{"name": "\\ud800"}', "lone surrogate"),
    ("two-documents.yaml", RULE + b"---\n" + RULE, "expected a single document in the stream"),
    ("unclosed.yaml", b'name: "r1\n', "line 2, column 1: while scanning a quoted scalar"),
    ("empty.yaml", b"", "empty: it must hold one"),
    ("comments-only.yaml", b"# nothing here\n", "empty: it must hold one"),
    ("list.yaml", b"- name: r1\n- name: r2\n", "not a list"),
    ("scalar.yaml", b"just words\n", "not a string"),
    ("50mb.yaml", b"name: " + b"x" * (50 * 1024 * 1024) + b"\n", "larger than 256 KB"),
]

COMMANDS = {
    "rules put": ["rules", "put", "--app-id", APP_ID, "--file"],
    "campaign create": ["campaign", "create", "--app-id", APP_ID, "--file"],
}


def everything(settings: Settings) -> dict[str, list[str]]:
    """Every item of every table a rule or a campaign could land in, besides the usual ones."""
    out = snapshot(settings)
    for table in (settings.rules_table, settings.campaigns_table, settings.stats_table):
        items = client("dynamodb").scan(TableName=table, ConsistentRead=True)["Items"]
        out[table] = sorted(json.dumps(i, sort_keys=True) for i in items)
    return out


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("name", "data", "message"), CORPUS, ids=[name for name, _, _ in CORPUS])
def test_a_hostile_file_is_one_line_naming_it_and_nothing_is_written(
    stack: Settings, tmp_path: Path, command: str, name: str, data: bytes, message: str
) -> None:
    # Given an account and a broken or hostile file
    register(stack)
    path = tmp_path / name
    path.write_bytes(data)
    before = everything(stack)
    # When the operator hands it to the CLI
    result = CliRunner().invoke(cli, [*COMMANDS[command], str(path)], catch_exceptions=False)
    # Then one line on stderr names the file and says why, with exit 1 and no traceback
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith(f"Error: {path}") and line.endswith("nothing was written"), line
    assert message in line, line
    # And nothing was stored
    assert everything(stack) == before


def test_a_clean_file_still_goes_through(stack: Settings, tmp_path: Path) -> None:
    # Given the same rule without anything hostile, with a UTF-8 byte-order mark
    register(stack)
    path = tmp_path / "rule.yaml"
    path.write_bytes("\ufeff".encode() + RULE)
    # When it is put / Then it is created
    result = CliRunner().invoke(cli, ["rules", "put", "--app-id", APP_ID, "--file", str(path)])
    assert result.exit_code == 0 and "rule r1 created" in result.output, result.output
