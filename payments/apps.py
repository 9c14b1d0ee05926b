from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from ledger.signals import transaction_posted
        from payments.handlers import on_transaction_posted

        transaction_posted.connect(on_transaction_posted, dispatch_uid="payments.transaction_posted")
