from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from ledger.rollup import rollup_forget_changed
        from ledger.signals import transaction_posted

        # A hold completed or a transaction reversed after its day ended drops that day's
        # summary buckets, in the same database transaction (ledger.rollup).
        transaction_posted.connect(rollup_forget_changed, dispatch_uid="ledger.rollup.forget_changed")
