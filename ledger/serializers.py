"""Input/output shapes for ledger endpoints."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from accounts.serializers import payment_pin_field
from ledger import selectors
from ledger.models import Transaction
from securebank.money import MoneyField, format_amount
from securebank.serializers import StrictSerializer


class TransferInput(StrictSerializer):
    exactly_one_of = ("to_account", "to_username")

    to_account = serializers.CharField(max_length=20, required=False)
    to_username = serializers.CharField(max_length=254, required=False)
    amount = MoneyField()
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    pin = payment_pin_field()

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("to_account")) == bool(attrs.get("to_username")):
            raise serializers.ValidationError({"to_account": ["Give exactly one of to_account or to_username."]})
        return attrs


class HistoryFilter(StrictSerializer):
    direction = serializers.ChoiceField(choices=["in", "out"], required=False)
    status = serializers.ChoiceField(choices=Transaction.Status.values, required=False)
    kind = serializers.ChoiceField(choices=Transaction.Kind.values, required=False)
    date_from = serializers.DateTimeField(required=False)
    date_to = serializers.DateTimeField(required=False)
    min_amount = MoneyField(required=False, maximum=None, allow_zero=True)
    max_amount = MoneyField(required=False, allow_zero=True)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    cursor = serializers.CharField(required=False)


_DATETIME = serializers.DateTimeField()  # renders a moment as every DRF field does (None stays None)


class TransactionOutput(serializers.Serializer):
    """A transaction from the caller's side (needs `transactions_for_user` annotations)."""

    id = serializers.UUIDField()
    reference = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    direction = serializers.SerializerMethodField()
    amount = serializers.SerializerMethodField()
    signed_amount = serializers.SerializerMethodField()
    counterparty = serializers.SerializerMethodField()
    description = serializers.CharField()
    channel = serializers.CharField()
    balance_after = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    status_reason = serializers.CharField()
    fraud = serializers.SerializerMethodField()

    def to_representation(self, txn: Transaction) -> dict[str, Any]:
        # Every transfer answers with one of these: DRF's generic path deep-copies the fifteen
        # declared fields for each instance, which cost more CPU than the rest of the answer. The
        # declared fields stay: they are the schema, and a test holds this to DRF's own output.
        return {
            "id": str(txn.pk),
            "reference": txn.reference,
            "kind": str(txn.kind),
            "status": str(txn.status),
            "direction": self.get_direction(txn),
            "amount": self.get_amount(txn),
            "signed_amount": self.get_signed_amount(txn),
            "counterparty": self.get_counterparty(txn),
            "description": txn.description,
            "channel": txn.channel,
            "balance_after": self.get_balance_after(txn),
            "created_at": _DATETIME.to_representation(txn.created_at),
            "completed_at": _DATETIME.to_representation(txn.completed_at),
            "status_reason": txn.status_reason,
            "fraud": self.get_fraud(txn),
        }

    def _outgoing(self, txn: Transaction) -> bool:
        return bool(getattr(txn, "is_outgoing", False))

    def get_direction(self, txn: Transaction) -> str:
        return "out" if self._outgoing(txn) else "in"

    def get_amount(self, txn: Transaction) -> str:
        return format_amount(txn.amount)

    def get_signed_amount(self, txn: Transaction) -> str:
        return format_amount(-txn.amount if self._outgoing(txn) else txn.amount)

    def get_counterparty(self, txn: Transaction) -> dict[str, Any]:
        return selectors.counterparty(txn, outgoing=self._outgoing(txn))

    def get_balance_after(self, txn: Transaction) -> str | None:
        return format_amount(getattr(txn, "my_balance_after", None))

    def get_fraud(self, txn: Transaction) -> dict[str, Any] | None:
        # The payer sees the decision and its reasons; the score and model stay internal.
        if not self._outgoing(txn) or txn.fraud_decision is None:
            return None
        return {"decision": txn.fraud_decision, "reasons": txn.fraud_reasons}


class TransferOutput(serializers.Serializer):
    transaction = TransactionOutput()
    balance = serializers.CharField()
    available = serializers.CharField()


# --- Spending summary (ledger/summary.py) --------------------------------------------------------

class SummaryQuery(StrictSerializer):
    period = serializers.ChoiceField(choices=["week", "month", "year"], required=False, default="month")


class FlowOutput(serializers.Serializer):
    money_in = serializers.SerializerMethodField()
    money_out = serializers.SerializerMethodField()
    net = serializers.SerializerMethodField()
    count = serializers.IntegerField()
    count_in = serializers.IntegerField()
    count_out = serializers.IntegerField()

    def get_money_in(self, flow: Any) -> str:
        return format_amount(flow.money_in)

    def get_money_out(self, flow: Any) -> str:
        return format_amount(flow.money_out)

    def get_net(self, flow: Any) -> str:
        return format_amount(flow.money_in - flow.money_out)


class KindFlowOutput(FlowOutput):
    kind = serializers.CharField()


class DayFlowOutput(FlowOutput):
    date = serializers.DateField()


class CounterpartyFlowOutput(FlowOutput):
    name = serializers.CharField()
    vpa = serializers.CharField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    account_number = serializers.CharField(allow_null=True)


class SummaryOutput(serializers.Serializer):
    period = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    totals = FlowOutput()
    top_counterparties = CounterpartyFlowOutput(many=True)
    by_kind = KindFlowOutput(many=True)
    daily = DayFlowOutput(many=True)


def summary_body(summary: Any, *, time_zone: str) -> dict[str, Any]:
    """A ledger.summary.Summary in SummaryOutput's shape. Built as plain dicts: a year is 365
    daily rows, and a DRF serializer per row cost more than the SQL (bench/results_summary.md)."""
    def flow(f: Any, **extra: Any) -> dict[str, Any]:
        return {**extra, "money_in": format_amount(f.money_in), "money_out": format_amount(f.money_out),
                "net": format_amount(f.money_in - f.money_out), "count": f.count_in + f.count_out,
                "count_in": f.count_in, "count_out": f.count_out}

    return {
        "period": summary.period,
        "date_from": summary.start.isoformat(),
        "date_to": summary.end.isoformat(),
        "timezone": time_zone,
        "totals": flow(summary.total),
        "top_counterparties": [flow(p["flow"], **{k: v for k, v in p.items() if k != "flow"})
                               for p in summary.top_counterparties],
        "by_kind": [flow(f, kind=kind) for kind, f in sorted(summary.by_kind.items())],
        "daily": [flow(f, date=day.isoformat()) for day, f in sorted(summary.daily.items())],
    }
