"""The customer's ``.ionapi`` file (spec 6.2): the ION API gateway, the SSO and the keys, in one JSON blob.

An Infor administrator downloads it for an authorized app; it is stored whole in the vault as ``infor.ionapi``
(:data:`~edi_assets.customers.CREDENTIAL_NAMES`). Every secret in it (client secret, service-account keys) is a
``SecretStr`` here and is registered for redaction as soon as the file is read.

Errors never quote the file: pydantic's own messages echo the input (the whole dict, secrets and all), so
:func:`parse_ionapi` rebuilds them from field names and reasons only.
"""

from __future__ import annotations

import json
from typing import Any, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator, model_validator

from edi_assets.connectors.redaction import register_secret

#: Keys without which no token can be fetched and no M3 call made.
REQUIRED_KEYS = ("ti", "ci", "cs", "iu", "pu", "ot")


class IonApiError(ValueError):
    """The ``.ionapi`` file cannot be used; ``problems`` names each key and what is wrong, never its value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"the .ionapi file (vault name infor.ionapi) cannot be used: {'; '.join(problems)}")


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an absolute http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("must be a plain base URL (no credentials, query or fragment)")
    return value


class IonApiFile(BaseModel):
    """The keys of an ``.ionapi`` file the connector uses; unknown keys (newer file versions) are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", coerce_numbers_to_str=True, hide_input_in_errors=True)

    ti: str  # tenant id, the first path segment of every gateway call
    cn: str | None = None  # the authorized app's name (for people)
    dt: str | None = None
    ci: str  # OAuth client id, "{tenant}~..." (an identifier, not a secret)
    cs: SecretStr  # client secret
    iu: str  # ION API gateway base URL
    pu: str  # SSO base URL, ending "/as/"
    oa: str | None = None  # authorization endpoint (interactive apps only)
    ot: str  # token endpoint, relative to pu
    or_: str | None = None  # revoke endpoint, relative to pu (``or`` in the file)
    ev: str | None = None
    v: str | None = None
    saak: SecretStr | None = None  # service-account access key: the password grant's username, already "TENANT#..."
    sask: SecretStr | None = None  # service-account secret key: the password

    @model_validator(mode="before")
    @classmethod
    def _rename_or(cls, data: Any) -> Any:
        if isinstance(data, dict) and "or" in data:
            data = {**data, "or_": data["or"]}
            del data["or"]
        return data

    @field_validator("ti", "ci", "ot")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("is empty")
        return value.strip()

    @field_validator("iu")
    @classmethod
    def _gateway(cls, value: str) -> str:
        return _url(value.strip()).rstrip("/")

    @field_validator("pu")
    @classmethod
    def _sso(cls, value: str) -> str:
        value = _url(value.strip())
        return value if value.endswith("/") else value + "/"  # ot and or are appended as they are

    @model_validator(mode="after")
    def _service_account_pair(self) -> Self:
        if (self.saak is None) != (self.sask is None):
            raise ValueError("saak and sask come together: both for the password grant, neither for client credentials")
        return self

    # -- what the connector derives from it ---------------------------------------------------------------

    @property
    def token_url(self) -> str:
        """``{pu}{ot}``, e.g. ``https://mingle-sso.inforcloudsuite.com:443/ACME_PRD/as/token.oauth2``."""
        return self.pu + self.ot.lstrip("/")

    @property
    def revoke_url(self) -> str | None:
        return self.pu + self.or_.lstrip("/") if self.or_ else None

    @property
    def mi_base_url(self) -> str:
        """M3 MI REST v2 through the gateway: ``{iu}/{ti}/M3/m3api-rest/v2``."""
        return f"{self.iu}/{self.ti}/M3/m3api-rest/v2"

    @property
    def uses_password_grant(self) -> bool:
        """True with service-account keys; a backend file with only ``ci``/``cs`` uses client credentials [I]."""
        return self.saak is not None

    def register_secrets(self) -> None:
        for secret in (self.cs, self.saak, self.sask):
            register_secret(secret)


def _describe(error: Any) -> str:
    """``cs: missing`` / ``iu: must be an absolute http(s) URL``: the key and the reason, never the value."""
    key = ".".join("or" if part == "or_" else str(part) for part in error["loc"])
    if error["type"] == "missing":
        return f"{key}: missing"
    if error["type"] == "string_type":
        return f"{key}: must be text"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{key}: {message}" if key else message


def parse_ionapi(text: SecretStr | str | bytes) -> IonApiFile:
    """Read an ``.ionapi`` file's JSON; raises :class:`IonApiError` naming every missing or bad key."""
    raw = text.get_secret_value() if isinstance(text, SecretStr) else text
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise IonApiError([f"not valid JSON{where}"]) from None
    if not isinstance(data, dict):
        raise IonApiError(["must be a JSON object"])
    problems = [f"{key}: missing" for key in REQUIRED_KEYS if data.get(key) in (None, "")]
    ionapi: IonApiFile | None = None
    try:
        ionapi = IonApiFile.model_validate(data)
    except ValidationError as exc:
        named = {p.split(":")[0] for p in problems}
        problems += [p for p in (_describe(e) for e in exc.errors(include_url=False, include_input=False))
                     if p.split(":")[0] not in named]
    if problems or ionapi is None:
        raise IonApiError(problems)
    ionapi.register_secrets()
    return ionapi
