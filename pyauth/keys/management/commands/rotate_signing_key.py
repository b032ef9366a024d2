"""``manage.py rotate_signing_key``: make a new key the signer; list the keys.

::

    manage.py rotate_signing_key                     # a new key of the signer's algorithm
    manage.py rotate_signing_key --algorithm ES256   # ... or of another (EdDSA, ES256, RS256)
    manage.py rotate_signing_key --list              # kids, algorithms, states, dates
    manage.py rotate_signing_key --retire-expired    # only mark keys past their grace retired
    manage.py rotate_signing_key --reseal            # after a SECRET_KEY rotation

The replaced signer keeps verifying for :func:`pyauth.keys.store.grace_period` (the
longest token lifetime plus LEEWAY, or SIGNING_KEY_GRACE), then stops verifying and
leaves the JWK Set; keys past that moment are marked retired and their sealed private
halves erased. Every process signs with the new key within KEY_STORE_REFRESH_SECONDS
and verifies its tokens at once. Nothing this command prints is secret: kids are
thumbprints of public keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.utils import timezone

from pyauth.exceptions import SealError
from pyauth.keys.models import STORE_ALGORITHMS, SigningKey
from pyauth.keys.store import reseal_all, retire_expired, rotate
from pyauth.settings import api_settings


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment is not None else "-"


class Command(BaseCommand):  # type: ignore[misc]
    """Rotate, list, retire or reseal the signing keys of pyauth.keys."""

    help = (
        "Make a new signing key the signer (the old one verifies until its tokens have "
        "expired), or list the keys."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            choices=STORE_ALGORITHMS,
            help="Algorithm of the new key (default: the current signer's, else ALGORITHM).",
        )
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--list", action="store_true", help="List the keys; change nothing.")
        action.add_argument(
            "--retire-expired",
            action="store_true",
            help="Only mark the keys past their grace retired.",
        )
        action.add_argument(
            "--reseal",
            action="store_true",
            help="Seal every live private key under the current SECRET_KEY.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
            return
        if api_settings.key_source() != "store":
            raise CommandError(
                "pyauth signs with PYAUTH['SIGNING_KEY'] (SIGNING_KEY_SOURCE is 'settings'), "
                "not with the key store: rotating the store would change nothing."
            )
        if options["retire_expired"]:
            kids = retire_expired()
            self.stdout.write(f"Retired {len(kids)} key(s){': ' if kids else '.'}{', '.join(kids)}")
            return
        if options["reseal"]:
            try:
                count = reseal_all()
            except SealError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"Resealed {count} key(s) under the current SECRET_KEY.")
            return
        try:
            result = rotate(options["algorithm"])
        except IntegrityError as exc:
            raise CommandError(
                "Another rotation ran at the same moment and won; run --list to see the signer."
            ) from exc
        new = result.new
        self.stdout.write(
            self.style.SUCCESS(f"New signing key {new.kid} ({new.algorithm}) signs from now on.")
        )
        if result.previous is not None:
            self.stdout.write(
                f"Previous key {result.previous.kid} ({result.previous.algorithm}) verifies "
                f"until {_when(result.previous.retire_after)}."
            )
        if result.retired:
            self.stdout.write(f"Retired: {', '.join(result.retired)}")

    def _list(self) -> None:
        rows = list(SigningKey.objects.defer("sealed_private").order_by("-created_at"))
        if not rows:
            self.stdout.write("No signing keys yet (one is generated at first use).")
            return
        now = timezone.now()
        self.stdout.write(f"{'kid':<44} {'alg':<6} {'state':<10} {'created':<26} until")
        for row in rows:
            state = row.state
            until = "-" if row.is_signer else _when(row.retired_at or row.retire_after)
            if state == "verifying" and row.retire_after is not None:
                until = f"{_when(row.retire_after)} (in {row.retire_after - now})"
            self.stdout.write(
                f"{row.kid:<44} {row.algorithm:<6} {state:<10} {_when(row.created_at):<26} {until}"
            )
