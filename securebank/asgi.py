"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os

from securebank.handlers import get_http_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
django_asgi_app = get_http_application()  # sets Django up before consumers import models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from securebank.origins import browser_origin_validator  # noqa: E402
from securebank.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(URLRouter(websocket_urlpatterns)),
    }
)
