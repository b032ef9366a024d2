"""Document 002's users/, recaptcha-verify/ and social-auth/ endpoints (under /auth-api/)."""
