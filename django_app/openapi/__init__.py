"""The OpenAPI 3 description of django_app (drf-spectacular), served at ``/api/schema/``
with Swagger UI at ``/api/docs/`` (assets from drf-spectacular-sidecar, no CDN).

- :mod:`.schema`: the AutoSchema every view uses (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]):
  tags per document, the security requirements as the server enforces them (cookies,
  session, CSRF) and the error answers every operation can give (400, 401, 403, 404,
  429 with Retry-After);
- :mod:`.extensions`: how drf-spectacular reads pyauth's and django_app's authentication
  classes, pyauth's token views and serializers (pyauth itself does not depend on
  drf-spectacular);
- :mod:`.serializers`: documentation-only serializers of the bodies views build by hand;
- :mod:`.hooks`: which URLs are described, and the tags' descriptions;
- :mod:`.views`: the schema and Swagger UI views.
"""
