"""flushexpiredtokens on a table of thousands of rows: batches, progress, -v 0."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pyauth.lifecycle import services
from pyauth.lifecycle.models import RefreshTokenRecord, TokenFamily, jti_digest, new_family_id

pytestmark = pytest.mark.django_db

EXPIRED_FAMILIES = 1200
RECORDS_PER_FAMILY = 2


def fill_expired(user: Any) -> None:
    """EXPIRED_FAMILIES expired families with RECORDS_PER_FAMILY expired records each."""
    past = timezone.now() - timedelta(hours=1)
    families = [
        TokenFamily(id=new_family_id(), user=user, expires_at=past) for _ in range(EXPIRED_FAMILIES)
    ]
    TokenFamily.objects.bulk_create(families, batch_size=500)
    RefreshTokenRecord.objects.bulk_create(
        [
            RefreshTokenRecord(
                jti_digest=jti_digest(f"{family.id}-{n}"), family=family, expires_at=past
            )
            for family in families
            for n in range(RECORDS_PER_FAMILY)
        ],
        batch_size=500,
    )


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("flushexpiredtokens", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_batches_with_a_progress_line_each_and_live_rows_kept(user: Any) -> None:
    live, _ = services.issue(user)
    fill_expired(user)
    records = EXPIRED_FAMILIES * RECORDS_PER_FAMILY

    out, err = run("--batch-size", "500")

    assert out.strip() == (
        f"Deleted {records} expired refresh-token records and {EXPIRED_FAMILIES} token families."
    )
    lines = err.splitlines()
    assert lines == [
        *(f"refresh-token records: deleted {n} of {records}" for n in (500, 1000, 1500, 2000)),
        f"refresh-token records: deleted {records} of {records}",
        *(f"token families: deleted {n} of {EXPIRED_FAMILIES}" for n in (500, 1000)),
        f"token families: deleted {EXPIRED_FAMILIES} of {EXPIRED_FAMILIES}",
    ]
    assert list(TokenFamily.objects.values_list("id", flat=True)) == [live["sid"]]
    assert list(RefreshTokenRecord.objects.values_list("jti_digest", flat=True)) == [
        jti_digest(live["jti"])
    ]
    assert services.refresh(str(live))[0] is not None


def test_verbosity_zero_prints_nothing(user: Any) -> None:
    fill_expired(user)
    assert run("-v", "0", "--batch-size", "700") == ("", "")
    assert not TokenFamily.objects.exists() and not RefreshTokenRecord.objects.exists()


def test_each_batch_selects_at_most_batch_size_keys(user: Any) -> None:
    """The table is walked by LIMITed key lists, never read whole."""
    fill_expired(user)
    with CaptureQueriesContext(connection) as queries:
        run("-v", "0", "--batch-size", "400")
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    key_lists = [sql for sql in selects if re.search(r"\bLIMIT 400\b", sql)]
    # 2400 records in 6 batches + an empty probe, 1200 families in 3 + a probe
    assert len(key_lists) == 6 + 1 + 3 + 1


def test_nothing_to_delete(user: Any) -> None:
    services.issue(user)
    out, err = run()
    assert out.strip() == "Deleted 0 expired refresh-token records and 0 token families."
    assert err == ""
    assert TokenFamily.objects.count() == 1


@pytest.mark.parametrize("size", ["0", "-5", "many"])
def test_batch_size_must_be_positive(size: str) -> None:
    with pytest.raises(CommandError, match="--batch-size"):
        run("--batch-size", size)
