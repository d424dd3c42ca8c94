"""Alembic migrations, shipped inside the package and run by bot.storage.database.open_database."""
