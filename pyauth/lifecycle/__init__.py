"""pyauth's token-lifecycle app: refresh-token families, rotation, reuse detection,
revocation, and sessions and devices (INSTALLED_APPS += ["pyauth.lifecycle"]; app label
``pyauth_lifecycle``).

The API is :mod:`pyauth.lifecycle.services`; the tables are in
:mod:`pyauth.lifecycle.models`. Only digests of token ids are stored, never a token.
Sessions and devices: :mod:`.views` / :mod:`.urls` (the sessions list),
:mod:`.middleware` (revocable Django sessions), :mod:`.fingerprints` (device-bound
refresh tokens), :mod:`.devices` (user agents to device names).
"""
