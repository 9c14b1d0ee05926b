"""The classic web app's contract (docs/clients.md), mounted at /classic/api/."""

from django.urls import path, re_path

from classic.views import auth, chain, fraud, health, payments, pin, users, voice
from classic.views.base import NotFoundView

app_name = "classic"

urlpatterns = [
    path("health", health.HealthView.as_view(), name="health"),
    path("auth/register", auth.RegisterView.as_view(), name="auth-register"),
    path("auth/login", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/profile", auth.ProfileView.as_view(), name="auth-profile"),
    path("payments/balance", payments.BalanceView.as_view(), name="payments-balance"),
    path("payments/send", payments.SendView.as_view(), name="payments-send"),
    path("payments/request", payments.RequestView.as_view(), name="payments-request"),
    path("users/search", users.UserSearchView.as_view(), name="users-search"),
    path("blockchain/generate-qr", chain.GenerateQRView.as_view(), name="blockchain-generate-qr"),
    path("pin/status", pin.PinStatusView.as_view(), name="pin-status"),
    path("pin/setup", pin.PinSetupView.as_view(), name="pin-setup"),
    path("pin/verify", pin.PinVerifyView.as_view(), name="pin-verify"),
    path("pin/change", pin.PinChangeView.as_view(), name="pin-change"),
    path("pin/reset", pin.PinResetView.as_view(), name="pin-reset"),
    path("speech/parse-text", voice.ParseTextView.as_view(), name="speech-parse-text"),
    path("speech/execute-command", voice.ExecuteCommandView.as_view(), name="speech-execute-command"),
    path("fraud/health", fraud.FraudHealthView.as_view(), name="fraud-health"),
    path("fraud/analyze", fraud.AnalyzeView.as_view(), name="fraud-analyze"),
    re_path(r"^.*$", NotFoundView.as_view(), name="not-found"),
]
