"""URL map. Each app owns its routes; paths follow the original SecureBank API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from chain import urls as chain_urls
from securebank.views import HealthView, LiveView, ReadyView

handler400 = "securebank.middleware.json_400"
handler403 = "securebank.middleware.json_403"
handler404 = "securebank.middleware.json_404"
handler500 = "securebank.middleware.json_500"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health", HealthView.as_view(), name="health"),
    path("api/health/live", LiveView.as_view(), name="health-live"),
    path("api/health/ready", ReadyView.as_view(), name="health-ready"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/auth/", include("accounts.urls")),
    path("api/accounts/", include("ledger.urls_accounts")),
    path("api/transactions/", include("ledger.urls")),
    path("api/transactions/", include(chain_urls.transaction_urlpatterns)),
    path("api/payments/", include("payments.urls")),
    path("api/notifications", include("notifications.urls")),
    path("api/fraud/", include("fraud.urls")),
    path("api/blockchain/", include("chain.urls")),
    path("api/speech/", include("voice.urls")),
    path("api/", include("accounts.urls_pin")),
    path("api/users/", include("accounts.urls_users")),
    path("classic/api/", include("classic.urls")),
]
