"""The code blocks of README's "Use pyauth in your project" section, as steps a test
can apply (tests/e2e/test_fresh_project.py).

Every fenced block of the section is a step:

- a ``python`` block starts with ``# <path>: add at the end`` or ``# <path>: a new
  file`` and is appended to, or written as, that file of the project;
- a ``sh`` block is a list of commands (``\\`` continues a line, ``#`` starts a
  comment), each turned into a :class:`Command`.

A block of any other kind, or a python block without that first line, is an error: the
README cannot hold a step the test would skip.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

README: Final = Path(__file__).resolve().parents[2] / "README.md"
SECTION: Final = "### Use pyauth in your project"

_FENCE: Final = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.MULTILINE | re.DOTALL,
)
_FILE_HEADER: Final = re.compile(r"^# (?P<path>[\w./-]+): (?P<mode>add at the end|a new file)$")


@dataclass(frozen=True)
class FileEdit:
    """Append ``text`` to ``path`` (mode "append") or create it ("create")."""

    path: str
    mode: Literal["append", "create"]
    text: str


@dataclass(frozen=True)
class Command:
    """One shell command of a sh block, split as the shell would (``argv``)."""

    argv: tuple[str, ...]
    line: str


Step = FileEdit | Command


def section(text: str | None = None) -> str:
    """The text of the section, from its heading to the next heading of level 1-3."""
    text = README.read_text(encoding="utf-8") if text is None else text
    start = text.index(SECTION)
    rest = text[start + len(SECTION) :]
    end = re.search(r"^#{1,3} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


def _commands(body: str) -> list[Command]:
    joined = re.sub(r"\\\n", " ", body)
    out: list[Command] = []
    for line in joined.splitlines():
        argv = shlex.split(line, comments=True)
        if argv:
            out.append(Command(tuple(argv), line.strip()))
    return out


def steps(text: str | None = None) -> list[Step]:
    """Every step of the section, in order. ValueError for a block that is no step."""
    found: list[Step] = []
    for match in _FENCE.finditer(section(text)):
        lang = match["lang"]
        # Blocks sit in list items: their own indentation goes.
        body = textwrap.dedent(match["body"])
        if lang == "sh":
            found.extend(_commands(body))
        elif lang == "python":
            first, _, rest = body.partition("\n")
            header = _FILE_HEADER.match(first)
            if header is None:
                raise ValueError(f"a python block names no file: {first!r}")
            mode: Literal["append", "create"] = (
                "append" if header["mode"] == "add at the end" else "create"
            )
            found.append(FileEdit(header["path"], mode, rest))
        else:
            raise ValueError(f"a {lang or 'plain'} block is not a step the test can apply")
    if not found:
        raise ValueError(f"README has no steps under {SECTION!r}")
    return found
