from django.urls import path

from ledger import views

urlpatterns = [
    path("transfer", views.TransferView.as_view(), name="transactions-transfer"),
    path("history", views.HistoryView.as_view(), name="transactions-history"),
    path("summary", views.SummaryView.as_view(), name="transactions-summary"),
    path("<uuid:transaction_id>", views.TransactionDetailView.as_view(), name="transactions-detail"),
]
