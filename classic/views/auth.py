"""Classic auth: register, login, logout, profile. Each calls the same accounts service as
`/api/auth/`; only the answer's shape differs (`token`, numbers, `accounts[0]`)."""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts import services
from accounts.authentication import JWTAuthentication
from accounts.serializers import LoginInput, ProfileInput, RegisterInput
from classic.presenters import user_answer
from classic.serializers import LogoutInput
from classic.views.base import ClassicView, PublicView


def _auth_answer(user, message: str) -> dict:
    pair = services.token_pair_create(user)
    # `token` is what the classic app keeps; access/refresh as in /api/ for other clients.
    return {"success": True, "message": message, "token": pair.access, "access": pair.access,
            "refresh": pair.refresh, **user_answer(user)}


class RegisterView(PublicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(_auth_answer(user, "Account created."), status=status.HTTP_201_CREATED)


class LoginView(PublicView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        identifier = data.validated_data.get("identifier") or data.validated_data["username"]
        user = services.user_authenticate(identifier=identifier, password=data.validated_data["password"])
        return Response(_auth_answer(user, "Logged in."))


class OptionalJWTAuthentication(JWTAuthentication):
    """A missing, expired or forged token is simply no user (logout must not fail)."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except Exception:  # noqa: BLE001 - any token failure means "anonymous" here
            return None


class LogoutView(ClassicView):
    """The classic app clears its token and then calls logout with no body and no token: that
    succeeds. A refresh token sent by an authenticated caller is blacklisted as in /api/. The
    access token itself stays valid until it expires (JWT_ACCESS_MINUTES), as in /api/."""

    permission_classes = [AllowAny]
    authentication_classes = [OptionalJWTAuthentication]

    def post(self, request: Request) -> Response:
        data = LogoutInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        refresh = data.validated_data.get("refresh")
        if refresh and request.user.is_authenticated:
            services.user_logout(user=request.user, refresh=refresh)
        return Response({"success": True, "message": "Logged out."})


class ProfileView(ClassicView):
    def get(self, request: Request) -> Response:
        return Response(user_answer(request.user))

    def put(self, request: Request) -> Response:
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request.user, **data.validated_data)
        return Response({"success": True, "message": "Profile updated.", **user_answer(user)})

    patch = put
