"""The scenarios, written as data: who the customer is, what the ledger shows, what they pay.

Times are relative to the payment (`ago`); the payment's own time is a local (Asia/Kolkata) hour
on a fixed day. Amounts are rupees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

D = Decimal


@dataclass(frozen=True)
class Past:
    """One earlier outgoing payment of the customer."""

    ago: timedelta
    amount: Decimal
    payee: str


@dataclass(frozen=True)
class Scenario:
    name: str
    kind: str  # "normal" | "fraud"
    story: str
    account_age: timedelta
    available: Decimal  # the customer's available balance when paying
    amount: Decimal
    payee: str
    hour: int  # local hour of the payment
    payee_balance: Decimal = D("20000.00")
    payee_age: timedelta = timedelta(days=365)
    outgoing: tuple[Past, ...] = ()
    incoming: tuple[tuple[timedelta, Decimal], ...] = ()  # money received: (ago, amount)
    payee_new_payers_day: int = 0  # other people paying this payee for the first time today
    minute: int = 30
    extra: dict = field(default_factory=dict)


def days(n: float) -> timedelta:
    return timedelta(days=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def _spread(count: int, *, start_days: float, every_days: float, amounts: list[str], payees: list[str],
            hour_shift: float = 0.0) -> tuple[Past, ...]:
    """`count` payments going back from `start_days` ago, cycling through amounts and payees."""
    return tuple(
        Past(ago=days(start_days + i * every_days) + timedelta(hours=hour_shift), amount=D(amounts[i % len(amounts)]),
             payee=payees[i % len(payees)])
        for i in range(count)
    )


_ORDINARY = _spread(25, start_days=2, every_days=3, amounts=["850.00", "1200.00", "2400.00", "600.00", "3000.00"],
                    payees=["grocer", "pharmacy", "electricity", "cafe", "friend"])

SCENARIOS: tuple[Scenario, ...] = (
    # ---- normal: must be allowed (at most one held overall, none declined)
    Scenario(
        "salary_then_rent", "normal", "salary of 60,000 arrives; half an hour later the monthly rent goes to the landlord",
        account_age=days(400), available=D("70000.00"), amount=D("15000.00"), payee="landlord", hour=10,
        outgoing=_spread(11, start_days=30, every_days=30, amounts=["15000.00"], payees=["landlord"]) + _ORDINARY,
        incoming=((minutes(30), D("60000.00")),),
    ),
    Scenario(
        "whole_balance_to_regular_payee", "normal", "moves the whole balance to a payee paid many times before",
        account_age=days(300), available=D("42000.00"), amount=D("42000.00"), payee="mother", hour=18,
        outgoing=_spread(10, start_days=5, every_days=28, amounts=["5000.00"], payees=["mother"]) + _ORDINARY,
        payee_balance=D("8000.00"),
    ),
    Scenario(
        "daily_merchant", "normal", "the daily lunch payment to the same canteen",
        account_age=days(200), available=D("9000.00"), amount=D("250.00"), payee="canteen", hour=13,
        outgoing=_spread(30, start_days=1, every_days=1, amounts=["150.00", "250.00", "400.00"], payees=["canteen"]),
    ),
    Scenario(
        "market_15_small_payments", "normal", "15 small payments to stalls within an hour at a market",
        account_age=days(500), available=D("25000.00"), amount=D("200.00"), payee="stall-15", hour=11,
        outgoing=tuple(Past(ago=minutes(4 * (14 - i)), amount=D(["50.00", "120.00", "300.00", "80.00"][i % 4]),
                            payee=f"stall-{i + 1}") for i in range(14)) + _ORDINARY,
    ),
    Scenario(
        "first_500_to_new_payee", "normal", "a first payment of 500 to someone new",
        account_age=days(100), available=D("12000.00"), amount=D("500.00"), payee="new-friend", hour=19,
        outgoing=_ORDINARY[:10],
    ),
    Scenario(
        "large_first_payment_long_history", "normal", "a customer of four years pays a car dealer 90,000 for the first time",
        account_age=days(1500), available=D("300000.00"), amount=D("90000.00"), payee="car-dealer", hour=11,
        outgoing=_ORDINARY + _spread(15, start_days=80, every_days=20, amounts=["8000.00", "1000.00"], payees=["school", "insurer"]),
        payee_balance=D("2500000.00"), payee_age=days(2000),
    ),
    Scenario(
        "night_payer_at_night", "normal", "a night-shift worker pays at 02:30, as usual",
        account_age=days(600), available=D("30000.00"), amount=D("3000.00"), payee="night-canteen", hour=2,
        outgoing=_spread(30, start_days=1, every_days=2, amounts=["1500.00", "2500.00", "4000.00"],
                         payees=["night-canteen", "cab", "friend"], hour_shift=0.5),
    ),
    # ---- fraud: must be held or declined
    Scenario(
        "new_account_drain", "fraud", "an account opened two days ago sends its whole balance to a new, empty account",
        account_age=days(2), available=D("25000.00"), amount=D("25000.00"), payee="mule-a", hour=15,
        payee_balance=D("0.00"), payee_age=days(1),
    ),
    Scenario(
        "old_account_sudden_drain_at_odd_hour", "fraud",
        "an old account sends its whole balance to a payee it never paid, at 03:00, an hour it never pays",
        account_age=days(900), available=D("80000.00"), amount=D("80000.00"), payee="mule-b", hour=3,
        outgoing=_spread(25, start_days=1, every_days=3, amounts=["850.00", "1200.00", "2400.00", "600.00"],
                         payees=["grocer", "pharmacy", "electricity", "cafe"], hour_shift=15),  # daytime payer
        payee_balance=D("0.00"), payee_age=days(3),
    ),
    Scenario(
        "rapid_drain_new_payees", "fraud", "15,000 to a fourth new payee within 20 minutes, emptying the account",
        account_age=days(700), available=D("15000.00"), amount=D("15000.00"), payee="mule-d", hour=16,
        outgoing=(Past(minutes(20), D("15000.00"), "mule-a"), Past(minutes(13), D("15000.00"), "mule-b"),
                  Past(minutes(6), D("15000.00"), "mule-c")) + _ORDINARY,
        payee_balance=D("0.00"), payee_age=days(2),
    ),
    Scenario(
        "mule_payee_fan_in", "fraud", "8,000 to a payee that six people paid for the first time today",
        account_age=days(400), available=D("50000.00"), amount=D("8000.00"), payee="mule-e", hour=12,
        outgoing=_ORDINARY, payee_balance=D("3000.00"), payee_age=days(3), payee_new_payers_day=6,
    ),
    Scenario(
        "paysim_chain_transfer", "fraud", "PaySim's takeover: the victim's whole balance goes to a fresh, empty mule",
        account_age=days(800), available=D("180000.00"), amount=D("180000.00"), payee="mule-f", hour=14,
        outgoing=_ORDINARY, payee_balance=D("0.00"), payee_age=days(0.2),
    ),
    Scenario(
        "paysim_chain_cash_out", "fraud", "PaySim's mule cashes out, minutes later, exactly what it was sent",
        account_age=days(0.2), available=D("180000.00"), amount=D("180000.00"), payee="cash-agent", hour=14,
        incoming=((minutes(10), D("180000.00")),), payee_balance=D("50000.00"), payee_age=days(900),
    ),
)
