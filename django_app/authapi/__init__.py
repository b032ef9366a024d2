"""Document 002 under ``/auth-api/``: CSRF token, OTP login (password, then a mailed
6-digit code), cookie tokens, refresh and logout, email and phone verification,
password reset, progressive lockout and the rate limits of the costly endpoints.

The users/, social-auth/ and recaptcha-verify/ endpoints live in
``django_app.authapi_users`` and build on this app's services, views and throttles.
"""
