"""`manage.py deposit <username> <amount> [--description TEXT]`: staff deposit from the treasury."""

from __future__ import annotations

from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import user_find_by_username
from ledger.selectors import account_for_user
from ledger.services import deposit_create
from securebank.errors import DomainError
from securebank.money import format_amount, parse_amount

# Fits Account.balance (18 digits, 2 places); the customer per-transaction cap does not apply.
STAFF_DEPOSIT_MAX = Decimal("9999999999999999.99")


class Command(BaseCommand):
    help = "Deposit money from the bank's treasury into a customer's primary account."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("amount", help="e.g. 500 or 1250.50 (at most two decimals)")
        parser.add_argument("--description", default="Deposit")

    def handle(self, *args, **options) -> None:
        user = user_find_by_username(username=options["username"])
        if user is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            amount = parse_amount(options["amount"], maximum=STAFF_DEPOSIT_MAX)
            account = account_for_user(user=user)
            txn = deposit_create(account=account, amount=amount, description=options["description"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        account.refresh_from_db()
        self.stdout.write(f"deposited {format_amount(amount)} to {user.username} ({account.number}); "
                          f"reference {txn.reference}; balance {format_amount(account.balance)}")
