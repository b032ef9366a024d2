"""A pytest plugin that loads ``pyauth._core`` from an AddressSanitizer build (make test-asan-py).

``make test-asan-py`` builds the extension with the CMake preset ``asan-python`` and runs
``pytest -p asan_core tests/core`` with ``tests/`` on ``PYTHONPATH`` and ``PYAUTH_ASAN_CORE``
naming the built file. Loaded as a plugin, this module runs before any test module imports
pyauth, and puts a finder first on ``sys.meta_path`` so ``pyauth._core`` comes from that
file instead of the editable install. The session refuses to start when the module was
imported before, or from anywhere else: a sanitizer run that silently tested the ordinary
build would prove nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

_MODULE = "pyauth._core"


def _core_path() -> Path:
    """The ASan-built extension named by PYAUTH_ASAN_CORE."""
    value = os.environ.get("PYAUTH_ASAN_CORE", "")
    path = Path(value).resolve()
    if not value or not path.is_file():
        msg = f"PYAUTH_ASAN_CORE must name the ASan-built {_MODULE} file, got {value!r}"
        raise pytest.UsageError(msg)
    return path


class _AsanCoreFinder(importlib.abc.MetaPathFinder):
    """Resolves ``pyauth._core`` to the ASan build; every other module as usual."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec of the ASan-built file for ``pyauth._core``; None for anything else."""
        if fullname != _MODULE:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path)


def pytest_configure(config: pytest.Config) -> None:
    """Installs the finder, imports the module through it and checks where it came from."""
    path = _core_path()
    if _MODULE in sys.modules:
        msg = f"{_MODULE} was imported before the asan_core plugin could redirect it"
        raise pytest.UsageError(msg)
    sys.meta_path.insert(0, _AsanCoreFinder(path))
    core = importlib.import_module(_MODULE)
    if Path(str(core.__file__)).resolve() != path:
        msg = f"{_MODULE} loaded from {core.__file__}, not the ASan build {path}"
        raise pytest.UsageError(msg)


def pytest_report_header(config: pytest.Config) -> str:
    """Says which extension the session tests."""
    return f"{_MODULE}: {sys.modules[_MODULE].__file__} (ASan + UBSan)"
