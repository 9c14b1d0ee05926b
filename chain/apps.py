from django.apps import AppConfig


class ChainConfig(AppConfig):
    name = "chain"
    verbose_name = "Transaction chain and QR payments"

    def ready(self) -> None:
        from chain.health import check_miner
        from securebank.health import register_check

        register_check("chain_miner", check_miner)
