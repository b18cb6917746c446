"""Settings (ledgerd/config.py): read from LEDGERD_* variables and flags, refused when unsafe to serve with."""

from __future__ import annotations

import pytest

from ledgerd.config import MIN_SECRET_LENGTH, Settings, SettingsError
from ledgerd.passwords import OWASP_N

SECRET = "k" * MIN_SECRET_LENGTH
LONG_SECRET = "k3J9vQ2mX7pL0sR5tY8wZ1aB4cD6eF9gH2jK5nM8qT1u"


def test_defaults() -> None:
    settings = Settings.load({})
    assert (settings.env, settings.port, settings.workers, settings.password_scrypt_n) == (
        "production", 8031, 1, OWASP_N)
    assert settings.database_url.startswith("sqlite:///")
    assert settings.public_url is None  # not pinned: tokens name the URL they were requested at
    assert settings.base_url == "http://127.0.0.1:8031"
    assert Settings.load({"LEDGERD_HOST": "0.0.0.0", "LEDGERD_PORT": "9000"}).base_url == "http://127.0.0.1:9000"
    assert Settings.load({"LEDGERD_HOST": "::1"}).base_url == "http://[::1]:8031"


def test_variables_then_flags() -> None:
    environ = {"LEDGERD_PORT": "9000", "LEDGERD_ENV": "test", "LEDGERD_PUBLIC_URL": "https://books.example/",
               "LEDGERD_DATABASE_URL": "postgresql+psycopg://db/x", "OTHER": "ignored"}
    settings = Settings.load(environ, port=9001, workers=None)
    assert (settings.port, settings.env, settings.workers) == (9001, "test", 1)
    assert settings.public_url == "https://books.example"
    assert settings.database_url == "postgresql+psycopg://db/x"


def test_to_environ_round_trips() -> None:
    settings = Settings.load({"LEDGERD_ENV": "development", "LEDGERD_PASSWORD_SCRYPT_N": "256",
                              "LEDGERD_RATE_LIMIT": "10"})
    environ = settings.to_environ()
    assert "LEDGERD_SECRET_KEY" not in environ  # unset stays unset
    assert Settings.load(environ) == settings


@pytest.mark.parametrize(("environ", "problem"), [
    ({"LEDGERD_PORT": "0"}, "port:"), ({"LEDGERD_PORT": "65536"}, "port:"), ({"LEDGERD_WORKERS": "65"}, "workers:"),
    ({"LEDGERD_ENV": "staging"}, "env:"), ({"LEDGERD_MAX_BODY_BYTES": "1023"}, "max_body_bytes:"),
    ({"LEDGERD_BODY_TIMEOUT": "0"}, "body_timeout:"), ({"LEDGERD_RATE_LIMIT": "-1"}, "rate_limit:"),
    ({"LEDGERD_ENV": "test", "LEDGERD_PASSWORD_SCRYPT_N": "1000"}, "must be a power of two"),
    ({"LEDGERD_PASSWORD_SCRYPT_N": str(OWASP_N // 2)}, "for development and tests only"),
    ({"LEDGERD_SECRET_KEY": "changeme"}, "LEDGERD_SECRET_KEY is a placeholder"),
    ({"LEDGERD_SECRET_KEY": " Secret "}, "LEDGERD_SECRET_KEY is a placeholder"),
    ({"LEDGERD_SECRET_KEY": "k" * (MIN_SECRET_LENGTH - 1)}, "shorter than 32 characters"),
    ({"LEDGERD_ENV": "test", "LEDGERD_SECRET_KEY": "dev"}, "LEDGERD_SECRET_KEY is a placeholder"),
])
def test_unsafe_settings_are_refused_with_the_reason(environ: dict[str, str], problem: str) -> None:
    with pytest.raises(SettingsError, match=problem):
        Settings.load(environ)


def test_development_may_use_a_placeholder_and_a_cheap_hash() -> None:
    settings = Settings.load({"LEDGERD_ENV": "development", "LEDGERD_SECRET_KEY": "dev",
                              "LEDGERD_PASSWORD_SCRYPT_N": "2"})
    assert (settings.secret_key, settings.password_scrypt_n) == ("dev", 2)
    assert Settings.load({"LEDGERD_SECRET_KEY": SECRET}).secret_key == SECRET


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(SettingsError, match="colour"):
        Settings.load({}, colour="blue")


def test_settings_are_frozen() -> None:
    settings = Settings.load({})
    with pytest.raises(ValueError, match="frozen"):
        settings.port = 1  # type: ignore[misc]


def test_the_default_quota_is_one_gibibyte() -> None:
    assert Settings.load({}).attachment_quota_bytes == 1024**3


@pytest.mark.parametrize("secret", ["changeme", "Secret", " dev ", "x" * 31, "password"])
def test_placeholder_secret_refused_in_production(secret: str) -> None:
    with pytest.raises(SettingsError, match="LEDGERD_SECRET_KEY"):
        Settings.load(environ={"LEDGERD_SECRET_KEY": secret})
    with pytest.raises(SettingsError, match="LEDGERD_SECRET_KEY"):
        Settings.load(environ={"LEDGERD_ENV": "production", "LEDGERD_SECRET_KEY": secret})


@pytest.mark.parametrize("secret", ["changeme", "x" * 31])
def test_placeholder_secret_accepted_in_development(secret: str) -> None:
    settings = Settings.load(environ={"LEDGERD_ENV": "development", "LEDGERD_SECRET_KEY": secret})
    assert settings.env == "development" and settings.secret_key == secret


def test_long_random_secret_accepted_in_production() -> None:
    settings = Settings.load(environ={"LEDGERD_SECRET_KEY": LONG_SECRET})
    assert settings.env == "production" and settings.secret_key == LONG_SECRET


def test_unset_secret_is_accepted() -> None:
    assert Settings.load(environ={}).secret_key is None


def test_settings_read_the_environment() -> None:
    settings = Settings.load(environ={"LEDGERD_ACCESS_TOKEN_TTL": "600", "LEDGERD_PUBLIC_URL": "https://x.test/",
                                      "LEDGERD_MAX_BODY_BYTES": "2048", "UNRELATED": "1"})
    assert settings.access_token_ttl == 600
    assert settings.public_url == "https://x.test"
    assert settings.max_body_bytes == 2048
    assert Settings.load(environ={}).access_token_ttl == 300
    assert Settings.load(environ={"LEDGERD_ACCESS_TOKEN_TTL": "600"}, access_token_ttl=60).access_token_ttl == 60


@pytest.mark.parametrize("environ", [
    {"LEDGERD_ACCESS_TOKEN_TTL": "0"},
    {"LEDGERD_ACCESS_TOKEN_TTL": "soon"},
    {"LEDGERD_ENV": "staging"},
    {"LEDGERD_PORT": "70000"},
])
def test_bad_settings_raise_settings_error(environ: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.load(environ=environ)


def test_the_journal_is_on_and_the_access_log_off_unless_set() -> None:
    default = Settings.load(environ={})
    assert (default.journal, default.journal_size, default.journal_body_bytes, default.access_log) == \
        (True, 10_000, 16 * 1024, False)
    off = Settings.load(environ={"LEDGERD_JOURNAL": "off", "LEDGERD_ACCESS_LOG": "on",
                                 "LEDGERD_JOURNAL_BODY_BYTES": "0"})
    assert (off.journal, off.access_log, off.journal_body_bytes) == (False, True, 0)
    with pytest.raises(SettingsError):
        Settings.load(environ={"LEDGERD_JOURNAL_SIZE": "0"})
