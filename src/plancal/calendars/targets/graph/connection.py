"""The ``[graph]`` settings and the app's sign-in (MSAL, client credentials).

Least privilege: the app registration has the *application* permission Calendars.ReadWrite,
limited to the organizer's mailbox with RBAC for Applications in Exchange Online (a management
scope on that mailbox), not granted tenant-wide
(https://learn.microsoft.com/exchange/permissions-exo/application-rbac). A certificate is
preferred to a client secret (https://learn.microsoft.com/entra/identity-platform/
msal-client-applications: "certificate credentials"); both come from the environment or the
keyring only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from plancal.calendars.targets.graph.client import GraphError
from plancal.errors import Problems, Where
from plancal.i18n import Text, msg

SCOPE = "https://graph.microsoft.com/.default"  # client credentials: the app's own grants


@dataclass(frozen=True)
class GraphConnection:
    mailbox: str
    tenant_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)
    certificate: str | None = field(default=None, repr=False)  # PEM: private key (+ cert)
    thumbprint: str | None = None  # SHA-1 of the certificate uploaded to the app
    authority: str = "https://login.microsoftonline.com"
    url: str = "https://graph.microsoft.com/v1.0"
    timeout: int = 120
    max_wait: int = 900

    @property
    def target(self) -> str:
        """How the state store names this target: the mailbox and the service."""
        return f"graph:{self.mailbox.lower()}@{urlparse(self.url).netloc}"

    @classmethod
    def from_settings(cls, settings: Any) -> GraphConnection:
        """The [graph] settings, or PlanError naming each missing one and where to set it."""
        from plancal.config.settings import env_name

        problems = Problems()
        where = Where(f"{settings.source} [graph]")

        def get(key: str) -> Any:
            return settings.get("graph", key)

        for key, why in (
            ("mailbox", Text("the organizer's mailbox", "arrangörens brevlåda")),
            ("tenant_id", Text("the directory (tenant) id", "katalogens id")),
            ("client_id", Text("the app's client id", "appens klient-id")),
        ):
            if not get(key):
                problems.error(
                    where,
                    msg(
                        Text("{key} is not set ({why})", "{key} är inte satt ({why})"),
                        key=key,
                        why=why,
                    ),
                    msg(
                        Text(
                            "set ${var} or {key} = … in the file",
                            "sätt ${var} eller {key} = … i filen",
                        ),
                        var=env_name("graph", key),
                        key=key,
                    ),
                )
        if not get("certificate") and not get("client_secret"):
            problems.error(
                where,
                msg(
                    Text(
                        "neither a certificate nor a client secret is set",
                        "varken certifikat eller klienthemlighet är satt",
                    )
                ),
                msg(
                    Text(
                        "set ${cert} (PEM, preferred) and certificate_thumbprint, or ${secret}; "
                        "or store them in the keyring",
                        "sätt ${cert} (PEM, att föredra) och certificate_thumbprint, eller "
                        "${secret}; eller lägg dem i nyckelringen",
                    ),
                    cert=env_name("graph", "certificate"),
                    secret=env_name("graph", "client_secret"),
                ),
            )
        elif get("certificate") and not get("certificate_thumbprint"):
            problems.error(
                where,
                msg(
                    Text(
                        "certificate_thumbprint is not set (the certificate needs it)",
                        "certificate_thumbprint är inte satt (certifikatet behöver det)",
                    )
                ),
                msg(
                    Text(
                        "write the thumbprint Entra ID shows for the uploaded certificate",
                        "skriv tumavtrycket som Entra ID visar för det uppladdade certifikatet",
                    )
                ),
            )
        problems.raise_if_errors()
        return cls(
            mailbox=get("mailbox"),
            tenant_id=get("tenant_id"),
            client_id=get("client_id"),
            client_secret=get("client_secret"),
            certificate=get("certificate"),
            thumbprint=get("certificate_thumbprint"),
            authority=(get("authority") or cls.authority).rstrip("/"),
            url=(get("url") or cls.url).rstrip("/"),
            timeout=get("timeout") or 120,
            max_wait=get("max_wait") if get("max_wait") is not None else 900,
        )


def token_source(c: GraphConnection, http_client: Any = None) -> Callable[[], str]:
    """An access token on demand (``targets.entra``; MSAL keeps it until it nearly expires)."""
    from plancal.calendars.targets import entra

    def failed(kind: entra.Failure, cause: str, description: str) -> GraphError:
        if kind == "unreadable":
            return GraphError(f"sign-in to Entra ID failed: {cause}")
        if kind == "unreachable":
            return GraphError(f"sign-in to Entra ID at {c.authority} failed: {cause}")
        return GraphError(f"Entra ID refused the sign-in: {cause}: {description}")

    credential: Any
    if c.certificate:
        credential = {"private_key": c.certificate, "thumbprint": c.thumbprint}
    else:
        credential = c.client_secret
    return entra.token_source(
        c.client_id, c.tenant_id, c.authority, credential, SCOPE, failed, http_client
    )
