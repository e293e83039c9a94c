"""Google's OAuth token endpoint for service accounts, and the bearer tokens it issues.

Signatures are checked with plain integer RSA (RS256, PKCS#1 v1.5), so the server needs no
crypto library: the key-file helper registers each key's public modulus and exponent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sheetsync_testkit._workbook import ApiError

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth always sends Google's own token endpoint as the audience, whatever token_uri is.
GOOGLE_TOKEN_AUDIENCES = frozenset(
    {
        "https://oauth2.googleapis.com/token",
        "https://www.googleapis.com/oauth2/v4/token",
        "https://accounts.google.com/o/oauth2/token",
    }
)
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
TOKEN_SECONDS = 3599
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_HELP = "See https://developers.google.com/identity/sign-in/web/devconsole-project."


@dataclass(frozen=True)
class PublicKey:
    """An RSA public key: modulus n and public exponent e."""

    modulus: int
    exponent: int

    def verifies(self, message: bytes, signature: bytes) -> bool:
        """RS256: signature^e mod n must be the PKCS#1 v1.5 encoding of SHA-256(message)."""
        size = (self.modulus.bit_length() + 7) // 8
        if len(signature) != size:
            return False
        digest = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        expected = b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest
        decoded = pow(int.from_bytes(signature, "big"), self.exponent, self.modulus)
        return decoded.to_bytes(size, "big") == expected


@dataclass(frozen=True)
class Token:
    """An issued access token: whose it is, what it may do, until when (time.time())."""

    email: str
    scopes: frozenset[str]
    expires: float


class OAuthError(Exception):
    """An answer from the token endpoint in OAuth's shape: {"error", "error_description"}."""

    def __init__(self, error: str, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.code = code
        self.body = {"error": error, "error_description": description}


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jwt(jwt: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, payload, signed bytes, signature); ValueError if it is not a JWT."""
    parts = jwt.split(".")
    if len(parts) != 3:
        raise ValueError("a JWT has three parts")
    header, payload = (json.loads(_b64decode(p)) for p in parts[:2])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("JWT header and payload must be JSON objects")
    return header, payload, f"{parts[0]}.{parts[1]}".encode(), _b64decode(parts[2])


class Authority:
    """Registered service-account keys and the access tokens issued to them."""

    def __init__(self) -> None:
        self.keys: dict[str, list[PublicKey]] = {}
        self.tokens: dict[str, Token] = {}

    def register(self, client_email: str, key: PublicKey) -> None:
        keys = self.keys.setdefault(client_email, [])
        if key not in keys:
            keys.append(key)

    def _verified(self, jwt: str) -> dict[str, Any]:
        try:
            header, payload, signed, signature = decode_jwt(jwt)
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_grant", "Invalid JWT: malformed assertion.") from None
        if header.get("alg") != "RS256":
            raise OAuthError("invalid_grant", "Invalid JWT: only RS256 is accepted.")
        keys = self.keys.get(str(payload.get("iss")))
        if not keys:
            raise OAuthError("invalid_grant", "Invalid grant: account not found")
        if not any(key.verifies(signed, signature) for key in keys):
            raise OAuthError("invalid_grant", "Invalid JWT Signature.")
        now = time.time()
        iat, exp = payload.get("iat"), payload.get("exp")
        if (
            not isinstance(iat, int | float)
            or not isinstance(exp, int | float)
            or exp <= now
            or iat > now + 300
            or exp - iat > 3600
        ):
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable "
                "timeframe. Check your iat and exp values in the JWT claim.",
            )
        return payload

    def grant(self, form: dict[str, str], token_uri: str) -> dict[str, Any]:
        """POST /token with grant_type=jwt-bearer and a signed assertion -> an access token."""
        grant_type = form.get("grant_type", "")
        if grant_type != JWT_BEARER:
            raise OAuthError("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        payload = self._verified(form.get("assertion", ""))
        audience = payload.get("aud")
        if audience != token_uri and audience not in GOOGLE_TOKEN_AUDIENCES:
            raise OAuthError(
                "invalid_grant",
                "Invalid JWT: Failed audience check. The right audience is "
                "https://oauth2.googleapis.com/token",
            )
        scopes = frozenset(str(payload.get("scope", "")).split())
        if not scopes:
            raise OAuthError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")
        access_token = "ya29.c." + secrets.token_urlsafe(96)
        self.tokens[access_token] = Token(str(payload["iss"]), scopes, time.time() + TOKEN_SECONDS)
        return {"access_token": access_token, "expires_in": TOKEN_SECONDS, "token_type": "Bearer"}

    def expire_all(self) -> None:
        self.tokens = {key: Token(t.email, t.scopes, 0) for key, t in self.tokens.items()}

    def caller(self, authorization: str | None, service: str) -> Token:
        """The token behind an Authorization header, or 401 as Google answers."""
        if not authorization or not authorization.startswith("Bearer "):
            raise unauthenticated(
                "Request is missing required authentication credential. Expected OAuth 2 "
                f"access token, login cookie or other valid authentication credential. {_HELP}",
                "CREDENTIALS_MISSING",
                service,
            )
        credential = authorization[len("Bearer ") :].strip()
        token = self.tokens.get(credential) or self._self_signed(credential, service)
        if token is None or token.expires <= time.time():
            reason = "ACCESS_TOKEN_EXPIRED" if token else "ACCESS_TOKEN_TYPE_UNSUPPORTED"
            raise unauthenticated(
                "Request had invalid authentication credentials. Expected OAuth 2 access "
                f"token, login cookie or other valid authentication credential. {_HELP}",
                reason,
                service,
            )
        return token

    def _self_signed(self, credential: str, service: str) -> Token | None:
        """A service account may sign its own JWT and send it as the bearer token."""
        if credential.count(".") != 2:
            return None
        try:
            payload = self._verified(credential)
        except OAuthError:
            return None
        scopes = str(payload.get("scope", "")).split()
        audience = str(payload.get("aud", ""))
        if not scopes and audience.startswith("https://sheets.googleapis.com"):
            scopes = [SCOPE_PREFIX + "spreadsheets"]
        elif not scopes and audience.startswith("https://www.googleapis.com"):
            scopes = [SCOPE_PREFIX + "drive"]
        return Token(str(payload["iss"]), frozenset(scopes), float(payload["exp"]))


def unauthenticated(message: str, reason: str, service: str) -> ApiError:
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "googleapis.com",
        "metadata": {"service": service},
    }
    return ApiError(401, message, "UNAUTHENTICATED", [detail])


def require_scope(token: Token, accepted: tuple[str, ...], service: str) -> None:
    """403 ACCESS_TOKEN_SCOPE_INSUFFICIENT unless the token holds one of the accepted scopes."""
    if any(SCOPE_PREFIX + scope in token.scopes for scope in accepted):
        return
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "domain": "googleapis.com",
        "metadata": {"service": service},
    }
    raise ApiError(
        403, "Request had insufficient authentication scopes.", "PERMISSION_DENIED", [detail]
    )
