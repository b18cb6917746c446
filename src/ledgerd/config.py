"""Settings: one validated object, read from `LEDGERD_*` environment variables and CLI flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ledgerd.passwords import OWASP_N

# Values people paste from examples; accepted only in development mode.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "dev", "development", "password",
                                 "please-change-me", "ledgerd", "test", "xxx"})
MIN_SECRET_LENGTH = 32
DEFAULT_PORT = 8031


class SettingsError(ValueError):
    """Settings that must not be used to start a server."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    env: Literal["development", "production", "test"] = "production"
    database_url: str = "sqlite:///var/ledgerd.sqlite"
    host: str = "127.0.0.1"
    port: int = Field(DEFAULT_PORT, ge=1, le=65535)
    workers: int = Field(1, ge=1, le=64)
    # The one URL clients use to reach this server, when an operator pins it: the JWT issuer, and the base of
    # metadata URLs. Unset, each token names the URL it was requested at and any URL reaching this server
    # accepts it (docs/decisions.md, "OAuth 2.0"), so `ledgerd serve --port 9000` works with no other setting.
    public_url: str | None = None
    # Signs browser-session and CSRF cookies. Generated and persisted on first start when unset.
    secret_key: str | None = None
    access_token_ttl: int = Field(300, ge=1)
    refresh_token_ttl: int = Field(31 * 24 * 3600, ge=1)
    authorization_code_ttl: int = Field(60, ge=1)
    # Request bodies: the API's size limit (forms have their own, http/guard.py FORM_BYTES), and the seconds a
    # body may take to arrive, from the moment the server starts reading it (408 after that).
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    body_timeout: float = Field(30.0, gt=0)
    # Number of pooled connections per process (PostgreSQL only).
    db_pool_size: int = Field(10, ge=1)
    log_level: str = "info"
    # Requests per app per window; 0 turns limiting off. Sage allows 1,296,000 a day per app.
    rate_limit: int = Field(0, ge=0)
    rate_limit_window: int = Field(86_400, ge=1)
    # scrypt's cost N for new password hashes (r=8, p=1). OWASP's 2^17 is the floor outside development and
    # test, where a cheaper power of two keeps suites fast.
    password_scrypt_n: int = Field(OWASP_N, ge=2)
    # Bytes of attachment files one business may keep (0: no limit). Sage documents 2.5 MiB per file and no
    # total; 1 GiB is the document storage of Sage's own smallest Accounting package that states one.
    attachment_quota_bytes: int = Field(1024**3, ge=0)
    # The request journal (docs/sandbox.md, "Request journal"): every API, OAuth and admin request kept in the
    # database, the newest `journal_size`, bodies cut at `journal_body_bytes` (0: no bodies). `LEDGERD_JOURNAL=off`
    # turns it off.
    journal: bool = True
    journal_size: int = Field(10_000, ge=1)
    journal_body_bytes: int = Field(16 * 1024, ge=0)
    # Sage's old APIs served from the same books (docs/legacy-apis.md): v3 under /{region}/sageone/…/v3, v2 under
    # /accounts/v2 and /core/v2, and their token endpoints. On by default; `LEDGERD_LEGACY_APIS=off` removes them.
    legacy_apis: bool = True
    # One line per request on stdout. Off unless set; `ledgerd serve` turns it on when LEDGERD_ACCESS_LOG is unset.
    access_log: bool = False

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @property
    def base_url(self) -> str:
        """The pinned public URL, else this server's own address as a local client reaches it."""
        if self.public_url:
            return self.public_url
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104 - a comparison
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @field_validator("password_scrypt_n")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        if value & (value - 1):
            raise ValueError("must be a power of two")
        return value

    @model_validator(mode="after")
    def _refuse_weak_passwords(self) -> Settings:
        if self.env == "production" and self.password_scrypt_n < OWASP_N:
            raise ValueError(f"LEDGERD_PASSWORD_SCRYPT_N below {OWASP_N} (OWASP's scrypt cost) is for development "
                             "and tests only")
        return self

    @model_validator(mode="after")
    def _refuse_placeholders(self) -> Settings:
        if self.env == "development" or self.secret_key is None:
            return self
        if self.secret_key.strip().lower() in PLACEHOLDER_SECRETS or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"LEDGERD_SECRET_KEY is a placeholder or shorter than {MIN_SECRET_LENGTH} characters; "
                "set a random value, unset it to have one generated, or run with LEDGERD_ENV=development")
        return self

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from `LEDGERD_<FIELD>` variables, then explicit overrides (CLI flags)."""
        source: Mapping[str, str] = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name in cls.model_fields:
            raw = source.get(f"LEDGERD_{name.upper()}")
            if raw is not None:
                values[name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors())
            raise SettingsError(problems) from None

    def to_environ(self) -> dict[str, str]:
        """The same settings as environment variables, for worker processes."""
        return {f"LEDGERD_{k.upper()}": str(v) for k, v in self.model_dump().items() if v is not None}
