"""The phases of `bench/transfers.py`, one module each: the database and its customers
(`database`), the server processes (`servers`), the HTTP clients (`http_load`), the measured
transfers (`transfers_phase`), the authenticated-GET floor (`floor`), the ledger checks
(`ledger_checks`), the raw-SQL baseline (`raw_sql`), the CPU and commit counters (`counters`),
py-spy (`profiling`) and the final comparison (`report`)."""
