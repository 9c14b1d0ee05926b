from django.urls import path

from ledger import views

urlpatterns = [
    path("me", views.AccountMeView.as_view(), name="accounts-me"),
]
