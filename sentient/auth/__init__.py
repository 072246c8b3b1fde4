"""Web sign-in: Argon2id passwords, short-lived access tokens, rotated refresh tokens, lockout, audit."""
