"""pyauth's token-lifecycle app: refresh-token families, rotation, reuse detection,
revocation (INSTALLED_APPS += ["pyauth.lifecycle"]; app label ``pyauth_lifecycle``).

The API is :mod:`pyauth.lifecycle.services`; the tables are in
:mod:`pyauth.lifecycle.models`. Only digests of token ids are stored, never a token.
"""
