"""Auth endpoints: thin — parse, call one service, render."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.serializers import (
    AuthOutput,
    LoginInput,
    ProfileInput,
    RefreshInput,
    RegisterInput,
    TokenPairOutput,
    UserOutput,
)
from securebank.openapi import ERRORS, error_response

_BAD_LOGIN = error_response("Unknown user or wrong password (the same answer for both)", "invalid_credentials",
                            "Invalid credentials.")
_BAD_TOKEN = error_response("Refresh token expired, forged, already used or logged out", "authentication_failed",
                            "Token is invalid or expired.")
_BAD_LOGOUT = error_response("Invalid input, or a refresh token that is not yours", "invalid_token",
                             "Token is invalid or expired.")


def _auth_body(user) -> dict:
    pair = services.token_pair_create(user)
    return {"user": UserOutput(user).data, "access": pair.access, "refresh": pair.refresh}


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "register"

    @extend_schema(
        summary="Register a customer (creates the VPA and the primary account)",
        request=RegisterInput,
        responses={201: AuthOutput, 400: ERRORS[400], 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(_auth_body(user), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="Log in with username, email or phone and password",
        request=LoginInput,
        responses={200: AuthOutput, 400: ERRORS[400], 401: _BAD_LOGIN, 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        identifier = data.validated_data.get("identifier") or data.validated_data["username"]
        user = services.user_authenticate(identifier=identifier, password=data.validated_data["password"])
        return Response(_auth_body(user))


class RefreshView(APIView):
    """Rotates the refresh token; the old one is blacklisted."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # a stale access token in the header must not block a refresh
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        summary="Exchange a refresh token for a new access + refresh pair (the old refresh is blacklisted)",
        request=RefreshInput,
        responses={200: TokenPairOutput, 400: ERRORS[400], 401: _BAD_TOKEN, 429: ERRORS[429]},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        pair = services.token_refresh(refresh=data.validated_data["refresh"])
        return Response({"access": pair.access, "refresh": pair.refresh})


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Log out: blacklist the refresh token",
        request=RefreshInput,
        responses={204: OpenApiResponse(description="Logged out."), 400: _BAD_LOGOUT, 401: ERRORS[401]},
    )
    def post(self, request: Request) -> Response:
        data = RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_logout(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Own profile, with account number and balances", responses={200: UserOutput, 401: ERRORS[401]})
    def get(self, request: Request) -> Response:
        return Response(UserOutput(request.user).data)

    @extend_schema(
        summary="Change own full name, email or phone (username and VPA are fixed)",
        request=ProfileInput,
        responses={200: UserOutput, 400: ERRORS[400], 401: ERRORS[401]},
    )
    def patch(self, request: Request) -> Response:
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.user_profile_update(user=request.user, **data.validated_data)
        return Response(UserOutput(user).data)
