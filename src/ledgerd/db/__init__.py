"""Storage: SQLAlchemy models' base, engines, the unit of work and migrations."""
