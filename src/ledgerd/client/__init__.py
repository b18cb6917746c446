"""A small client of the Sage Business Cloud Accounting API v3.1, on httpx.

It speaks only Sage's wire (OAuth 2.0 with PKCE, `X-Business`, the `$next` list envelope, Sage's error arrays,
`idempotency_id`), so the same code runs against Sage and against ledgerd by changing its base URLs
(`oauth.Endpoints`). `admin` is the one ledgerd-only part: the sandbox controls under `/ledgerd/v1/admin`.
Nothing here imports the server side of ledgerd (an import-linter contract in pyproject.toml).
"""
