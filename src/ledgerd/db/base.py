"""Declarative base, column types and id helpers shared by every model."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import operators

from ledgerd.memo import remembered

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A Sage-style id: 32 lower-case hex characters."""
    return secrets.token_hex(16)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        # SQLite hands back naive ISO text (see process_bind_param); parse it with its UTC offset in one
        # step: several times cheaper than the generic regex parser or parsing then `replace(tzinfo=)`.
        def process(value: str | datetime | None) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):
                try:
                    return datetime.fromisoformat(value + "+00:00")
                except ValueError:  # text that carries its own offset
                    value = datetime.fromisoformat(value)
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

        return process


_KNOWN_FIGURES = 50_000


class Scaled(TypeDecorator[Decimal]):
    """Exact decimals stored as integers of 10**-scale units.

    SQLite has no exact decimal type (NUMERIC there is a float); integers are exact on every engine,
    and SUM() over them stays exact and fast. The Python side always sees `Decimal`.
    """

    impl = BigInteger
    cache_ok = True

    class Comparator(TypeDecorator.Comparator[Decimal]):
        """Sums and differences of same-scale columns stay in this type, so `SUM(debit) - SUM(credit)`
        comes back as a Decimal, not as raw integer units."""

        def _adapt_expression(self, op: Any, other_comparator: Any) -> Any:
            other = other_comparator.type
            mine = self.type
            if op in (operators.add, operators.sub) and isinstance(other, Scaled) and isinstance(mine, Scaled) \
                    and other.scale == mine.scale:
                return op, self.type
            return super()._adapt_expression(op, other_comparator)

    comparator_factory = Comparator

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale
        self._unit = Decimal(1).scaleb(-scale)

    def process_bind_param(self, value: Decimal | int | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        exact = Decimal(value).scaleb(self.scale)
        if exact != exact.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(exact)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(int(value)).scaleb(-self.scale)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """The same conversion as `process_result_value`, as a dict lookup: list pages convert tens of
        thousands of figures, and a Python function call per value cost more than the conversion."""
        if self.impl_instance.result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        exponent = -self.scale
        # Figures repeat (zeros above all, prices, tax rates) and decimals are immutable: each distinct
        # stored integer becomes a Decimal once per process, shared (bounded; a pure function of the value).
        return remembered(lambda value: Decimal(int(value)).scaleb(exponent), _KNOWN_FIGURES, {None: None})


# Money to the cent; prices, quantities, rates and percentages to 1e-6.
Money = Scaled(2)
Fine = Scaled(6)
IdColumn = String(32)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime(), Decimal: Money, date: Date()}


class IdMixin:
    id: Mapped[str] = mapped_column(IdColumn, primary_key=True, default=new_id)


class TimestampMixin:
    """`created_at` / `updated_at`, set from the request's clock by the unit of work."""

    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
