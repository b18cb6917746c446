"""Server-rendered pages: country, sign-up, login, consent and the developer portal."""
