from django.urls import path

from chain import views

urlpatterns = [
    path("generate-qr", views.GenerateQRView.as_view(), name="chain-generate-qr"),
    path("verify-qr", views.VerifyQRView.as_view(), name="chain-verify-qr"),
    path("qr", views.QRListView.as_view(), name="chain-qr-list"),
    path("chain", views.ChainView.as_view(), name="chain-blocks"),
    path("blocks/<int:index>", views.BlockDetailView.as_view(), name="chain-block-detail"),
    path("head", views.HeadView.as_view(), name="chain-head"),
    path("verify", views.VerifyChainView.as_view(), name="chain-verify"),
]

# Mounted beside the ledger's routes under /api/transactions/: the proof of a transaction is the
# chain's answer, so the chain owns the route and the ledger never imports the chain.
transaction_urlpatterns = [
    path("<uuid:transaction_id>/proof", views.TransactionProofView.as_view(), name="transactions-proof"),
]
