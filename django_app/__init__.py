"""django_app: the reference backend serving the documents' clients on pyauth.

Settings in :mod:`django_app.settings` (read from the environment), URLs in
:mod:`django_app.urls`, and the ``accounts`` app holding the user model and every
documented endpoint.
"""
