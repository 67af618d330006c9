"""Signing in to Entra ID as the application itself (OAuth client credentials), for the
Microsoft targets: EWS and Graph ask for a token the same way and differ only in the scope and
in how they word a refusal.

MSAL builds the client assertion from a certificate (private key and thumbprint) or sends the
client secret, and keeps the token until it nearly expires; ``token_source`` asks it again on
every call, which is cheap while the token holds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

# Why a sign-in failed: MSAL could not use the credential (a malformed authority or
# certificate), the token host did not answer, or Entra ID answered without a token.
Failure = Literal["unreadable", "unreachable", "refused"]


def token_source(
    client_id: str | None,
    tenant_id: str | None,
    authority: str,
    credential: Any,
    scope: str,
    failed: Callable[[Failure, str, str], Exception],
    http_client: Any = None,
) -> Callable[[], str]:
    """An access token on demand; ``failed(kind, cause, description)`` makes the target's own
    error. ``cause`` is an exception's type name or Entra ID's ``error`` code, ``description``
    the first line of its ``error_description`` (AADSTS…); neither holds a secret."""
    import msal

    app: Any = None

    def token() -> str:
        nonlocal app
        try:
            if app is None:
                app = msal.ConfidentialClientApplication(
                    client_id,
                    authority=f"{authority}/{tenant_id}",
                    client_credential=credential,
                    http_client=http_client,
                    instance_discovery=False,
                )
            result = app.acquire_token_for_client(scopes=[scope])
        except ValueError as e:
            raise failed("unreadable", type(e).__name__, "") from None
        except Exception as e:
            raise failed("unreachable", type(e).__name__, "") from None
        if "access_token" not in result:
            description = str(result.get("error_description", ""))
            first = next(iter(description.splitlines()), "")
            raise failed("refused", str(result.get("error", "unknown")), first)
        return str(result["access_token"])

    return token
