"""The platform's own database: SQLAlchemy 2 models and Alembic migrations (SQLite file by default, PostgreSQL
by URL)."""
