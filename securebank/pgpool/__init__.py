"""Django's PostgreSQL backend with a pool check that pings only a suspect connection
(`securebank.pgpool.base`). settings.py uses it as the ENGINE when DB_POOL=1."""
