"""A small Django site for the request-path benchmarks (not django_app): one DRF view
served under pyauth's and djangorestframework-simplejwt's authentication classes.

bench/run.py uses it in-process (Django's test client) and starts it under gunicorn for
the end-to-end figures. It is configured from the environment (see settings.py).
"""
