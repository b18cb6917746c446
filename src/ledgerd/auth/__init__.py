"""OAuth 2.0 authorization server: apps, codes, token families, signing keys."""
