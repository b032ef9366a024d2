"""pyauth's management commands (``manage.py pyauth_rehash_report``)."""
