"""accounts: the user model (email or username login), profiles, and the endpoints of
documents 000, 001, 003 and 004."""
