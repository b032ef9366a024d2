"""The extra claims of every token pyauth issues (PYAUTH["EXTRA_ACCESS_CLAIMS"]).

Document 003's clients read the user's name, username, email and profile straight from
the access token: full_name, username, email, bio, image, verified.
"""

from __future__ import annotations

from typing import Any

from django_app.accounts.models import Profile


def profile_claims(user: Any) -> dict[str, Any]:
    """The claims document 003 puts in its tokens, for ``user``."""
    profile = Profile.objects.filter(user=user).first()
    return {
        "full_name": user.full_name,
        "username": user.username or "",
        "email": user.email or "",
        "bio": profile.bio if profile else "",
        "image": profile.image.name if profile and profile.image else "",
        "verified": profile.verified if profile else False,
    }
