"""pyauth.keys: the signing-key store (``INSTALLED_APPS += ["pyauth.keys"]``).

Asymmetric signing keys (EdDSA by default, ES256 and RS256 on request) kept in the
database so every process and node signs with the same key and verifies with all of
them: the private halves sealed at rest by the C++ core (XChaCha20-Poly1305 under a key
derived from SECRET_KEY, the kid and algorithm as associated data), the public halves
published at ``/.well-known/jwks.json`` (:mod:`pyauth.keys.views`), and
``manage.py rotate_signing_key`` to make a new key the signer while the old ones keep
verifying until every token they signed has expired.

- :mod:`pyauth.keys.models` — :class:`~pyauth.keys.models.SigningKey`, the table;
- :mod:`pyauth.keys.store` — what a process signs and verifies with, kept fresh;
- :mod:`pyauth.keys.views` — the JWK Set endpoint.
"""
