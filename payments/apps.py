from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from ledger.signals import transaction_committed
        from payments.handlers import on_transaction_committed

        transaction_committed.connect(on_transaction_committed, dispatch_uid="payments.transaction_committed")
