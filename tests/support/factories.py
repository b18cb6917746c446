"""Test factories: accounts, businesses, apps and tokens made through the real services."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from ledgerd.auth import legacy
from ledgerd.auth.apps import create_app
from ledgerd.auth.models import App
from ledgerd.auth.server import issue_without_consent
from ledgerd.db.engine import unit_of_work
from ledgerd.onboarding import open_business
from ledgerd.runtime import Runtime
from ledgerd.tenancy.models import Business, Role, User
from ledgerd.tenancy.service import create_user, invite, password_hash, set_admin

T = TypeVar("T")
PASSWORD = "correct horse battery"


@dataclass
class Factory:
    runtime: Runtime

    def tx(self, fn: Callable[[Session], T]) -> T:
        with unit_of_work(self.runtime.sessions, write=True) as db:
            return fn(db)

    def user(self, first_name: str = "Ada", last_name: str = "Lovelace", email: str | None = None) -> User:
        email = email or f"user-{secrets.token_hex(6)}@example.com"
        hashed = password_hash(self.runtime.passwords, PASSWORD)
        return self.tx(lambda db: create_user(db, self.runtime.clock, email=email, password_hash=hashed,
                                              first_name=first_name, last_name=last_name))

    def administrator(self, user: User) -> User:
        """Make `user` a ledgerd administrator (the sandbox controls, the admin API)."""
        def run(db: Session) -> None:
            row = db.get(User, user.id)
            assert row is not None
            set_admin(db, self.runtime.clock, row)

        self.tx(run)
        return user

    def business(self, owner: User, name: str = "Acme Ltd", country: str = "GB") -> Business:
        def run(db: Session) -> Business:
            owner_row = db.get(User, owner.id)
            assert owner_row is not None
            business = open_business(db, self.runtime.clock, owner=owner_row, name=name, country_id=country)
            business.subscriptions  # noqa: B018 - load before the session closes
            return business

        return self.tx(run)

    def member(self, business: Business, user: User, role: Role) -> None:
        def run(db: Session) -> None:
            row = db.get(Business, business.id)
            assert row is not None
            invite(db, self.runtime.clock, business=row, email=user.email, role=role)

        self.tx(run)

    def app(self, owner: User, redirect_uris: list[str] | None = None) -> tuple[App, str]:
        uris = redirect_uris or ["http://localhost:8080/callback"]

        def run(db: Session) -> tuple[App, str]:
            owner_row = db.get(User, owner.id)
            assert owner_row is not None
            app, secret = create_app(db, self.runtime.clock, owner=owner_row, name="Test App", redirect_uris=uris)
            app.redirect_uris  # noqa: B018
            return app, secret

        return self.tx(run)

    def token(self, user: User, app: App | None = None, scope: str = "full_access") -> dict[str, Any]:
        app = app or self.app(user)[0]

        def run(db: Session) -> dict[str, Any]:
            app_row = db.get(App, app.id)
            user_row = db.get(User, user.id)
            assert app_row is not None and user_row is not None
            return issue_without_consent(db, self.runtime.tokens, self.runtime.clock, app=app_row, user=user_row,
                                         scope=scope, country="GB")

        return self.tx(run)

    def headers(self, user: User, scope: str = "full_access", business: str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {self.token(user, scope=scope)['access_token']}"}
        if business:
            out["X-Business"] = business
        return out

    def legacy_token(self, user: User, business: Business, api: legacy.Api = "v3", app: App | None = None,
                     scope: str = "full_access") -> dict[str, Any]:
        """A token response of an old API (auth/legacy.py) for `user`, given for `business`."""
        app = app or self.app(user)[0]

        def run(db: Session) -> dict[str, Any]:
            app_row, user_row = db.get(App, app.id), db.get(User, user.id)
            assert app_row is not None and user_row is not None
            return legacy.issue_without_consent(db, self.runtime.clock, app=app_row, user=user_row, api=api,
                                                scope=scope, country=business.country_id, business_id=business.id)

        return self.tx(run)

    def subscription_keys(self, app: App) -> dict[str, str]:
        """New primary and secondary v3 subscription keys of `app`."""
        def run(db: Session) -> dict[str, str]:
            app_row = db.get(App, app.id)
            assert app_row is not None
            return legacy.create_subscription_keys(db, self.runtime.clock, app_row)

        return self.tx(run)

    def legacy_credentials(self, app: App, api: legacy.Api) -> legacy.Issued:
        """New credentials of `app` for an old API (v2's with its signing secret)."""
        def run(db: Session) -> legacy.Issued:
            app_row = db.get(App, app.id)
            assert app_row is not None
            return legacy.create_credentials(db, self.runtime.clock, app_row, api)

        return self.tx(run)
