"""The ledger after the load: its invariants in SQL, the completed API transfers, and
`manage.py check_ledger`."""

from __future__ import annotations

import psycopg

from bench.transfer_phases.database import ROOT, manage

LEDGER_CHECKS = {
    "sum of all balances is not zero": "SELECT coalesce(sum(balance), 0) <> 0 FROM ledger_account",
    "accounts whose balance != sum of their entries": """SELECT count(*) FROM ledger_account a LEFT JOIN
        (SELECT account_id, sum(amount) AS s FROM ledger_entry GROUP BY account_id) e ON e.account_id = a.id
        WHERE a.balance <> coalesce(e.s, 0)""",
    "accounts whose last entry's balance_after != balance": """SELECT count(*) FROM ledger_account a JOIN
        (SELECT DISTINCT ON (account_id) account_id, balance_after FROM ledger_entry ORDER BY account_id, id DESC) e
        ON e.account_id = a.id WHERE a.balance <> e.balance_after""",
    "customer accounts negative or held out of range": """SELECT count(*) FROM ledger_account
        WHERE kind = 'customer' AND (balance < 0 OR held < 0 OR held > balance)""",
    "completed transactions whose entries do not sum to zero": """SELECT count(*) FROM (SELECT t.id FROM
        ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id WHERE t.status = 'completed'
        GROUP BY t.id HAVING count(e.id) < 2 OR coalesce(sum(e.amount), 0) <> 0) bad""",
    "accounts whose held != sum of held transactions": """SELECT count(*) FROM ledger_account a WHERE a.held <>
        coalesce((SELECT sum(amount) FROM ledger_transaction t WHERE t.payer_account_id = a.id AND t.status = 'held'), 0)""",
    "entries on transactions that moved no money": """SELECT count(*) FROM ledger_entry e JOIN ledger_transaction t
        ON t.id = e.transaction_id WHERE t.status IN ('pending', 'held', 'declined')""",
}


def ledger_violations(url: str) -> list[str]:
    found = []
    with psycopg.connect(url) as conn:
        for label, sql in LEDGER_CHECKS.items():
            (value,) = conn.execute(sql).fetchone()
            if value:
                found.append(f"{label}: {value}")
    return found


def count_transfers(url: str, channel: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM ledger_transaction WHERE kind = 'transfer' AND status = 'completed' AND channel = %s",
            (channel,)).fetchone()[0]



def check_ledger_command(env: dict[str, str]) -> tuple[int, str] | None:
    if not (ROOT / "ledger" / "management" / "commands" / "check_ledger.py").exists():
        return None
    done = manage(env, "check_ledger", check=False)
    return done.returncode, (done.stdout + (done.stderr if done.returncode else "")).strip()



def ledger_phase(url: str, env: dict[str, str], created: int) -> tuple[dict, bool]:
    """Print the ledger's state after the HTTP load (`created`: the HTTP 201s); its figures and
    whether anything is wrong."""
    in_db = count_transfers(url, "api")
    print(f"ledger: {in_db} completed API transfers in the database, {created} HTTP 201s "
          f"{'(match)' if in_db == created else '(MISMATCH)'}")
    failed = in_db != created
    violations = ledger_violations(url)
    print(f"ledger invariants (SQL): {'clean' if not violations else '; '.join(violations)}")
    failed |= bool(violations)
    command = check_ledger_command(env)
    if command is None:
        print("manage.py check_ledger: not in the tree yet (the SQL checks above stand in)")
    else:
        print(f"manage.py check_ledger: exit {command[0]}\n{command[1]}")
        failed |= command[0] != 0
    return {"violations": violations, "check_ledger": command and command[0]}, failed
