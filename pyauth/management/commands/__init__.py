"""``manage.py pyauth_rehash_report``."""
