"""Per-customer credentials, encrypted at rest with Fernet.

The store is a JSON file (default ``$DAGSTER_HOME/credentials.json``) mapping customer -> name -> Fernet token.
Names stay readable so ``names()`` and ``edi credentials list`` work without the key; values never do.
Each token encrypts ``{"customer", "name", "value"}`` so a token copied onto another entry is detected.
A ``check`` token lets the vault tell a wrong key from a damaged entry and refuse to write with a wrong key,
so a store never ends up encrypted under two unrelated keys.

Keys, first one encrypts and every one decrypts (``MultiFernet``):

* ``key_file=`` passed to the constructor, else
* ``EDI_VAULT_KEY``: one or more comma-separated Fernet keys (blank counts as unset), else
* ``$DAGSTER_HOME/vault.key``: one key per line, created with mode 0600 the first time a value is encrypted;
  refused if group or others have any access.

Rotation (``rotate_key``) with a key file is crash-safe: every entry is re-encrypted in memory first, then
the key file is rewritten as ``NEW, OLD...``, then the store, and only then the key file as ``NEW`` alone.
A crash between any two steps leaves every entry readable with what is on disk.

With ``EDI_VAULT_KEY`` the vault cannot persist a key, and printing a fresh one would lose every credential if
that output were lost, so rotation is done by the operator in two steps: put a new key first in the variable
(``NEW,OLD``), run ``rotate_key`` (re-encrypts everything under ``NEW``), then set the variable to ``NEW``.
With a single key in the variable ``rotate_key`` raises ``VaultError`` explaining exactly that.

Every file is written to a temporary file beside it, fsynced and moved into place with ``os.replace``;
mutations hold an exclusive ``flock`` and reads a shared one, so a rotation in one process never races a
``set`` in another. Nothing here logs, prints or puts a value (or a key) into an exception message.

Imports nothing of the connectors or of Dagster: connectors import this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

ENV_KEY = "EDI_VAULT_KEY"
STORE_FORMAT = "edi-vault/1"
_CHECK_PLAINTEXT = b"edi-vault-key-check"
_MAX_ID = 200

try:  # POSIX advisory locks; on other systems writes are still atomic, just not serialised across processes
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


class VaultError(Exception):
    """The vault cannot do what was asked: wrong or missing key, loose permissions, damaged store."""


class CredentialNotFound(VaultError, LookupError):  # noqa: N818 - the name the connectors and CLI speak
    """No credential stored under (customer, name)."""

    def __init__(self, customer: str, name: str) -> None:
        super().__init__(f"no credential {name!r} for customer {customer!r}")
        self.customer = customer
        self.name = name


def generate_key() -> str:
    """A new Fernet key as text (for a key file or ``EDI_VAULT_KEY``)."""
    return Fernet.generate_key().decode("ascii")


def _atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (mode 0600) so a reader or a crash sees the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _check_id(kind: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_ID:
        raise VaultError(f"{kind} must be a non-empty string of at most {_MAX_ID} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise VaultError(f"{kind} {value!r} contains control characters")


def _parse_keys(raw: list[str], where: str) -> list[Fernet]:
    """Fernet objects for each key; an invalid one is named by position, never echoed."""
    keys: list[Fernet] = []
    for i, text in enumerate(raw, 1):
        try:
            keys.append(Fernet(text.encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise VaultError(f"{where}: key #{i} is not a valid Fernet key (32 url-safe base64 bytes)") from None
    if not keys:
        raise VaultError(f"{where} holds no key")
    return keys


class Vault:
    """Credentials per (customer, name); see the module docstring for files, keys and rotation."""

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 key_file: str | os.PathLike[str] | None = None) -> None:
        home = os.environ.get("DAGSTER_HOME")
        if path is None and not home:
            raise VaultError("DAGSTER_HOME is not set: set it, or pass the store path explicitly")
        self.path = Path(path) if path is not None else Path(str(home)) / "credentials.json"
        self._explicit_key_file = key_file is not None
        self.key_file: Path | None = (Path(key_file) if key_file is not None
                                      else Path(home) / "vault.key" if home else None)

    def __repr__(self) -> str:
        return f"Vault(path={str(self.path)!r}, keys={self.key_source!r})"

    # -- keys ---------------------------------------------------------------------------------
    @property
    def key_source(self) -> str:
        """Where the keys come from, for messages: the env variable name or the key file path."""
        if self._keys_from_env():
            return ENV_KEY
        return f"key file {self.key_file}" if self.key_file else "no key source"

    def _keys_from_env(self) -> bool:
        return not self._explicit_key_file and bool(os.environ.get(ENV_KEY, "").strip())

    def _raw_keys(self, *, create: bool) -> list[str] | None:
        """The keys as text, first one current; ``None`` if there is no key file yet and ``create`` is false."""
        if self._keys_from_env():
            return [k.strip() for k in os.environ[ENV_KEY].split(",") if k.strip()]
        if self.key_file is None:
            raise VaultError(f"no key: set {ENV_KEY} or DAGSTER_HOME, or pass a key file")
        try:
            st = self.key_file.stat()
        except FileNotFoundError:
            if not create:
                return None
            _atomic_write(self.key_file, (generate_key() + "\n").encode("ascii"))
            st = self.key_file.stat()
        if os.name == "posix" and st.st_mode & 0o077:
            mode = stat.S_IMODE(st.st_mode)
            raise VaultError(f"key file {self.key_file} is accessible by group or others (mode {mode:04o}); "
                             f"refusing to use it: run `chmod 600 {self.key_file}`")
        try:
            text = self.key_file.read_text("ascii")
        except UnicodeDecodeError:
            raise VaultError(f"key file {self.key_file} is not a key file (not ASCII)") from None
        return [ln.strip() for ln in text.splitlines() if ln.strip()]

    def _load_keys(self, *, create: bool) -> list[Fernet] | None:
        raw = self._raw_keys(create=create)
        return None if raw is None else _parse_keys(raw, self.key_source)

    def _fernet(self, store: dict[str, Any], *, create: bool) -> MultiFernet | None:
        """The keys as a MultiFernet, verified against the store's check token so a wrong key fails early."""
        keys = self._load_keys(create=False)
        if keys is None:
            if store.get("check"):
                raise VaultError(f"key file {self.key_file} is missing but {self.path} holds encrypted credentials; "
                                 f"restore the key file or set {ENV_KEY}")
            if not create:
                return None
            keys = self._load_keys(create=True)
            assert keys is not None
        mf = MultiFernet(keys)
        check = store.get("check")
        if check:
            try:
                ok = mf.decrypt(check.encode("ascii")) == _CHECK_PLAINTEXT
            except (InvalidToken, UnicodeEncodeError, AttributeError):
                ok = False
            if not ok:
                raise VaultError(f"wrong key: the key from {self.key_source} does not decrypt {self.path}")
        return mf

    # -- store --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _lock(self, exclusive: bool) -> Iterator[None]:
        """Serialise writers (and keep readers off a half-done rotation) across processes."""
        if fcntl is None:  # pragma: no cover
            yield
            return
        lock_path = self.path.with_name(self.path.name + ".lock")
        lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {"format": STORE_FORMAT, "check": None, "entries": {}}
        try:
            store = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise VaultError(f"{self.path} is not a credentials store: {type(exc).__name__}") from None
        if not isinstance(store, dict) or store.get("format") != STORE_FORMAT or not isinstance(
                store.get("entries"), dict):
            raise VaultError(f"{self.path} is not a credentials store (expected format {STORE_FORMAT!r})")
        for customer, names in store["entries"].items():
            if not isinstance(names, dict) or not all(isinstance(t, str) for t in names.values()):
                raise VaultError(f"{self.path} is damaged: the entries of customer {customer!r} are not tokens")
        return store

    def _write(self, store: dict[str, Any]) -> None:
        _atomic_write(self.path, json.dumps(store, indent=2, sort_keys=True).encode("utf-8"))

    @staticmethod
    def _seal(mf: MultiFernet, customer: str, name: str, value: str) -> str:
        payload = json.dumps({"customer": customer, "name": name, "value": value})
        return mf.encrypt(payload.encode("utf-8")).decode("ascii")

    # -- API ----------------------------------------------------------------------------------
    def set(self, customer: str, name: str, value: str | SecretStr) -> None:
        """Store (or replace) one credential."""
        _check_id("customer", customer)
        _check_id("name", name)
        secret = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(secret, str) or not secret:
            raise VaultError(f"empty value for {customer}/{name}: nothing stored")
        with self._lock(exclusive=True):
            store = self._read()
            mf = self._fernet(store, create=True)
            assert mf is not None
            if not store.get("check"):
                store["check"] = mf.encrypt(_CHECK_PLAINTEXT).decode("ascii")
            store["entries"].setdefault(customer, {})[name] = self._seal(mf, customer, name, secret)
            self._write(store)

    def get(self, customer: str, name: str) -> SecretStr:
        """The credential as a SecretStr; ``CredentialNotFound`` if absent, ``VaultError`` on a wrong key."""
        with self._lock(exclusive=False):
            store = self._read()
            token = store["entries"].get(customer, {}).get(name)
            if token is None:
                raise CredentialNotFound(customer, name)
            mf = self._fernet(store, create=False)
            if mf is None:  # a token but no check token and no key: a hand-edited store
                raise VaultError(f"no key to decrypt {customer}/{name}: {self.key_source} does not exist")
        try:
            payload = json.loads(mf.decrypt(token.encode("ascii")))
        except (InvalidToken, UnicodeEncodeError, ValueError):
            raise VaultError(f"credential {customer}/{name} in {self.path} cannot be decrypted with the key from "
                             f"{self.key_source}") from None
        if not isinstance(payload, dict) or (payload.get("customer"), payload.get("name")) != (customer, name):
            raise VaultError(f"credential {customer}/{name} in {self.path} belongs to another entry (store tampered)")
        return SecretStr(str(payload["value"]))

    def names(self, customer: str | None = None) -> list[tuple[str, str]]:
        """(customer, name) pairs, sorted; works without the key because names are not secret."""
        with self._lock(exclusive=False):
            entries: dict[str, dict[str, str]] = self._read()["entries"]
        return sorted((c, n) for c, names in entries.items() if customer is None or c == customer for n in names)

    def delete(self, customer: str, name: str) -> None:
        """Remove one credential; ``CredentialNotFound`` if it is not there."""
        with self._lock(exclusive=True):
            store = self._read()
            names = store["entries"].get(customer)
            if not names or name not in names:
                raise CredentialNotFound(customer, name)
            del names[name]
            if not names:
                del store["entries"][customer]
            self._write(store)

    def rotate_key(self) -> int:
        """Re-encrypt every credential under a new key and retire the old ones; returns how many entries.

        Key file: a new key is generated and the old ones are dropped once everything is re-encrypted.
        ``EDI_VAULT_KEY``: re-encrypts under the variable's first key; the operator must have put a new key
        first (``NEW,OLD``) and must afterwards set the variable to ``NEW`` alone (see the module docstring).
        """
        with self._lock(exclusive=True):
            store = self._read()
            if self._keys_from_env():
                keys = self._load_keys(create=False)
                assert keys is not None
                if len(keys) < 2:
                    raise VaultError(
                        f"the key comes from {ENV_KEY}, which this command cannot change. To rotate: generate a key "
                        f"(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'),"
                        f" set {ENV_KEY}=NEW,OLD, run rotate-key again, then set {ENV_KEY}=NEW")
                mf = self._fernet(store, create=False)
                assert mf is not None
                count = self._reencrypt(store, mf)
                self._write(store)
                return count
            self._fernet(store, create=False)  # refuses a wrong, loose or missing key before anything changes
            old_raw = self._raw_keys(create=False) or []
            assert self.key_file is not None
            new_raw = generate_key()
            mf = MultiFernet([Fernet(k.encode("ascii")) for k in [new_raw, *old_raw]])
            count = self._reencrypt(store, mf)  # everything in memory first: a failure here touches no file
            _atomic_write(self.key_file, ("\n".join([new_raw, *old_raw]) + "\n").encode("ascii"))
            self._write(store)
            _atomic_write(self.key_file, (new_raw + "\n").encode("ascii"))
            return count

    @staticmethod
    def _reencrypt(store: dict[str, Any], mf: MultiFernet) -> int:
        """Rotate the check token and every entry in ``store`` to ``mf``'s first key (in memory)."""
        store["check"] = (mf.rotate(store["check"].encode("ascii")) if store.get("check")
                          else mf.encrypt(_CHECK_PLAINTEXT)).decode("ascii")
        count = 0
        for names in store["entries"].values():
            for name, token in names.items():
                try:
                    names[name] = mf.rotate(token.encode("ascii")).decode("ascii")
                except InvalidToken:
                    raise VaultError(f"an entry named {name!r} cannot be decrypted with the current keys; "
                                     "nothing was rotated") from None
                count += 1
        return count
