"""ASGI entry point: HTTP through Django, WebSockets through Channels, and Socket.IO at
`/socket.io/` (both transports) in the same application, on the same port."""

import os

from securebank.handlers import get_http_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "securebank.settings")
django_asgi_app = get_http_application()  # sets Django up before consumers import models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from notifications.socketio_server import asgi_app as socketio_asgi_app  # noqa: E402
from securebank.origins import browser_origin_validator  # noqa: E402
from securebank.routing import websocket_urlpatterns  # noqa: E402

channels_application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": browser_origin_validator(URLRouter(websocket_urlpatterns)),
    }
)
# `/socket.io/` (HTTP long-polling and WebSocket) to the Socket.IO server, which checks the
# origin with the same rule; everything else to Channels.
application = socketio_asgi_app(channels_application)

from securebank.gc_tuning import freeze_startup_heap  # noqa: E402

freeze_startup_heap()  # last: everything above is loaded for the life of the process
