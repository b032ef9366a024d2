"""``manage.py pyauth_rehash_report``: how the stored passwords are hashed, and how many
will be re-hashed at their user's next login.

::

    $ python manage.py pyauth_rehash_report
    users  upgrade at login  hasher and parameters
        2                 0  argon2 (variety=argon2id, version=19, memory_cost=19456, ...)
        3                 3  pbkdf2_sha256 (iterations=260000)
        1                 -  unusable password (no password login)
    3 of 6 users will be re-hashed at their next login (preferred hasher: argon2).

Users are counted by hasher and cost parameters. "Upgrade at login" follows Django's own
rule (``check_password``): a hash of another algorithm than the first of
PASSWORD_HASHERS, or one whose ``must_update`` is true (other cost, weak salt).
``--list-ids`` adds the primary keys of those users; ``--format json`` gives the same
report as one JSON object. It prints cost parameters only: never a hash, a salt or a
password. The user table is read in batches of ``--batch-size`` (primary key and
password columns only), with a progress line per batch on stderr at verbosity >= 1.

Rows it cannot use are counted apart: "unusable" (``set_unusable_password``: no password
login at all) and "unrecognised" (no hasher in PASSWORD_HASHERS reads them, or they are
malformed: those users cannot log in with a password until an admin or a reset sets one).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    UNUSABLE_PASSWORD_PREFIX,
    get_hasher,
    identify_hasher,
)
from django.core.management.base import BaseCommand

from pyauth.management.arguments import positive_int

__all__ = ["Command", "HashGroup", "RehashReport", "build_report"]

DEFAULT_BATCH_SIZE: Final = 2000

#: The keys of a hasher's ``decode()`` that are cost parameters (Django's and pyauth's
#: hashers). Anything else (hash, salt, checksum...) is never shown.
PARAMETER_KEYS: Final = (
    "variety",
    "version",
    "memory_cost",
    "time_cost",
    "parallelism",
    "iterations",
    "work_factor",
    "block_size",
)


@dataclass
class HashGroup:
    """The users whose hashes share one algorithm and one set of cost parameters."""

    algorithm: str
    parameters: dict[str, Any]
    users: int = 0
    needs_upgrade: int = 0

    @property
    def label(self) -> str:
        """``algorithm (name=value, ...)``."""
        if not self.parameters:
            return self.algorithm
        listed = ", ".join(f"{k}={v}" for k, v in self.parameters.items())
        return f"{self.algorithm} ({listed})"


@dataclass
class RehashReport:
    """What :func:`build_report` found."""

    preferred: str
    total: int = 0
    unusable: int = 0
    unrecognised: int = 0
    groups: dict[tuple[Any, ...], HashGroup] = field(default_factory=dict)
    upgrade_ids: list[Any] = field(default_factory=list)

    @property
    def needs_upgrade(self) -> int:
        """Users whose hash is replaced at their next successful login."""
        return sum(group.needs_upgrade for group in self.groups.values())

    def as_dict(self, *, with_ids: bool) -> dict[str, Any]:
        """The report as JSON-ready data."""
        data: dict[str, Any] = {
            "preferred_hasher": self.preferred,
            "users": self.total,
            "needs_upgrade": self.needs_upgrade,
            "unusable": self.unusable,
            "unrecognised": self.unrecognised,
            "groups": [
                {
                    "algorithm": g.algorithm,
                    "parameters": g.parameters,
                    "users": g.users,
                    "needs_upgrade": g.needs_upgrade,
                }
                for g in self._sorted_groups()
            ],
        }
        if with_ids:
            data["upgrade_ids"] = self.upgrade_ids
        return data

    def _sorted_groups(self) -> list[HashGroup]:
        return sorted(self.groups.values(), key=lambda g: (g.needs_upgrade > 0, -g.users, g.label))


def _classify(encoded: str, preferred: Any) -> tuple[tuple[Any, ...], str, dict[str, Any], bool]:
    """(group key, algorithm, parameters, must upgrade) of one stored hash; ValueError
    when no configured hasher reads it."""
    hasher = identify_hasher(encoded)
    try:
        decoded = hasher.decode(encoded)
    except (ValueError, TypeError, KeyError, IndexError) as exc:  # what hashers' parsers raise
        raise ValueError("malformed hash") from exc
    parameters = {key: decoded[key] for key in PARAMETER_KEYS if key in decoded}
    key = (hasher.algorithm, *parameters.items())
    upgrade = hasher.algorithm != preferred.algorithm or bool(preferred.must_update(encoded))
    return key, hasher.algorithm, parameters, upgrade


def build_report(
    rows: Iterable[tuple[Any, str | None]],
    *,
    progress: Callable[[int], None] | None = None,
    every: int = DEFAULT_BATCH_SIZE,
    collect_ids: bool = False,
) -> RehashReport:
    """Count ``(pk, encoded password)`` rows by hasher and parameters; ``progress(n)``
    is called after every ``every`` rows and at the end. With ``collect_ids`` the
    primary keys of the users due for an upgrade are kept in ``upgrade_ids``."""
    preferred = get_hasher("default")
    report = RehashReport(preferred=preferred.algorithm)
    for pk, encoded in rows:
        report.total += 1
        if encoded is not None and encoded.startswith(UNUSABLE_PASSWORD_PREFIX):
            report.unusable += 1
        else:
            try:
                key, algorithm, parameters, upgrade = _classify(encoded or "", preferred)
            except ValueError:
                report.unrecognised += 1
            else:
                group = report.groups.get(key)
                if group is None:
                    group = report.groups[key] = HashGroup(algorithm, parameters)
                group.users += 1
                if upgrade:
                    group.needs_upgrade += 1
                    if collect_ids:
                        report.upgrade_ids.append(pk)
        if progress is not None and report.total % every == 0:
            progress(report.total)
    if progress is not None and report.total % every:
        progress(report.total)
    return report


class Command(BaseCommand):  # type: ignore[misc]
    """Report the password hashes of all users by hasher and cost."""

    help = (
        "Count users by password hasher and cost parameters, and how many will be "
        "re-hashed at their next login. Never prints hashes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--list-ids",
            action="store_true",
            help="Also list the primary keys of the users whose hash will be upgraded.",
        )
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Users read per database round trip (default {DEFAULT_BATCH_SIZE}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        users = get_user_model()._default_manager.order_by("pk")
        progress: Callable[[int], None] | None = None
        if options["verbosity"] >= 1:
            total = users.count()

            def progress(done: int) -> None:
                # Plain text: stderr's default style is the red of errors.
                self.stderr.write(f"scanned {done} of {max(total, done)} users", str)

        rows = users.values_list("pk", "password").iterator(chunk_size=batch_size)
        report = build_report(
            rows, progress=progress, every=batch_size, collect_ids=options["list_ids"]
        )
        if options["format"] == "json":
            data = report.as_dict(with_ids=options["list_ids"])
            self.stdout.write(json.dumps(data, sort_keys=True, default=str))
            return
        self._write_text(report, with_ids=options["list_ids"])

    def _write_text(self, report: RehashReport, *, with_ids: bool) -> None:
        write = self.stdout.write
        write("users  upgrade at login  hasher and parameters")
        for group in report._sorted_groups():
            write(f"{group.users:5}  {group.needs_upgrade:16}  {group.label}")
        if report.unusable:
            write(f"{report.unusable:5}  {'-':>16}  unusable password (no password login)")
        if report.unrecognised:
            write(
                f"{report.unrecognised:5}  {'-':>16}  unrecognised: no hasher in "
                "PASSWORD_HASHERS reads it, or malformed (no password login)"
            )
        write(
            f"{report.needs_upgrade} of {report.total} users will be re-hashed at their "
            f"next login (preferred hasher: {report.preferred})."
        )
        if with_ids and report.upgrade_ids:
            write("Users whose hash will be upgraded at their next login (primary keys):")
            for pk in report.upgrade_ids:
                write(str(pk))
