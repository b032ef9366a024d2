"""The OpenAPI schema imports into Postman: Postman's own converter, the npm package
openapi-to-postmanv2 (tests/node/to_postman.mjs), turns the schema served at
/api/schema/ into a collection with one request per documented operation.

Both forms a user would paste into Postman's importer are converted: the YAML the
endpoint serves by default and the JSON of ``?format=json``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
NODE_DIR = ROOT / "tests" / "node"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
CONVERT_TIMEOUT = 120  # seconds; the conversion itself takes about one


def convert(schema_file: Path) -> dict[str, Any]:
    """What to_postman.mjs reports for ``schema_file``."""
    node = shutil.which("node")
    assert node is not None, "Node.js is missing: `make node` installs it"
    assert (NODE_DIR / "node_modules" / "openapi-to-postmanv2").is_dir(), "run `make node`"
    done = subprocess.run(  # noqa: S603 (fixed arguments)
        [node, str(NODE_DIR / "to_postman.mjs"), str(schema_file)],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=CONVERT_TIMEOUT,
        check=False,
    )
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert done.returncode == (0 if report["result"] else 1), done.stderr
    return report


def operations(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path with every parameter as {}) of every documented operation."""
    return sorted(
        (method.upper(), re.sub(r"\{[^}]*\}", "{}", path))
        for path, item in spec["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


def requests_of(report: dict[str, Any]) -> list[tuple[str, str]]:
    """(METHOD, path with every Postman ``:variable`` as {}) of every request."""
    return sorted(
        (request["method"], re.sub(r":\w+", "{}", request["path"]))
        for request in report["requests"]
    )


@pytest.mark.parametrize("form", ["yaml", "json"])
def test_schema_imports_into_postman_with_one_request_per_operation(
    tmp_path: Path, form: str
) -> None:
    query = {"format": "json"} if form == "json" else {}
    response = Client().get("/api/schema/", query)
    assert response.status_code == 200
    schema_file = tmp_path / f"schema.{form}"
    schema_file.write_bytes(response.content)
    spec = json.loads(Client().get("/api/schema/", {"format": "json"}).content)

    report = convert(schema_file)

    assert report["result"] is True, report.get("reason")
    assert report["name"] == spec["info"]["title"]
    expected = operations(spec)
    assert len(report["requests"]) == len(expected) > 50
    assert requests_of(report) == expected


def test_converter_refuses_a_broken_schema(tmp_path: Path) -> None:
    """The check above can fail: the converter reports a document it cannot import."""
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"openapi": "3.0.3", "info": {"title": "x"}}))
    report = convert(broken)
    assert report["result"] is False
    assert report["reason"]
