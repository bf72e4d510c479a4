"""The credentials vault: encryption at rest, key handling, rotation, atomic writes, and the `edi credentials` CLI."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
import traceback
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, MultiFernet
from pydantic import SecretStr

import edi_assets.vault as vault_mod
from edi_assets.cli import main
from edi_assets.vault import ENV_KEY, CredentialNotFound, Vault, VaultError

SECRET = "hunter2-Sup3r$ecret"
OTHER = "tOtp-SEED-JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own DAGSTER_HOME and no EDI_VAULT_KEY: the real ones are never touched."""
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(h))
    monkeypatch.delenv(ENV_KEY, raising=False)
    return h


@pytest.fixture
def filled(home: Path) -> Vault:
    v = Vault()
    v.set("acme", "cleo_password", SECRET)
    v.set("acme", "cleo_totp_seed", SecretStr(OTHER))
    v.set("globex", "qad_client_secret", "s-globex")
    return v


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def values(v: Vault) -> dict[tuple[str, str], str]:
    return {(c, n): v.get(c, n).get_secret_value() for c, n in v.names()}


# -- the library --------------------------------------------------------------------------------
def test_set_then_get_roundtrips_the_value_as_secretstr(filled: Vault) -> None:
    got = filled.get("acme", "cleo_password")
    assert isinstance(got, SecretStr)
    assert got.get_secret_value() == SECRET
    assert filled.get("acme", "cleo_totp_seed").get_secret_value() == OTHER


def test_a_new_vault_object_reads_what_another_wrote(filled: Vault) -> None:
    assert Vault().get("globex", "qad_client_secret").get_secret_value() == "s-globex"


def test_store_holds_no_plaintext_value(filled: Vault, home: Path) -> None:
    text = (home / "credentials.json").read_text()
    assert SECRET not in text
    assert OTHER not in text
    assert "cleo_password" in text  # names are not secret


def test_unknown_credential_raises_credential_not_found_naming_customer_and_name(filled: Vault) -> None:
    with pytest.raises(CredentialNotFound, match=r"'nope'.*'acme'") as info:
        filled.get("acme", "nope")
    assert (info.value.customer, info.value.name) == ("acme", "nope")
    assert isinstance(info.value, VaultError)
    assert isinstance(info.value, LookupError)


def test_wrong_key_raises_vault_error_not_a_cryptography_traceback(filled: Vault, home: Path) -> None:
    (home / "vault.key").write_text(Fernet.generate_key().decode() + "\n")
    with pytest.raises(VaultError, match="wrong key") as info:
        Vault().get("acme", "cleo_password")
    shown = "".join(traceback.format_exception(info.value))
    assert "InvalidToken" not in shown


def test_set_with_wrong_key_is_refused_and_leaves_the_store_unchanged(filled: Vault, home: Path) -> None:
    before = (home / "credentials.json").read_bytes()
    (home / "vault.key").write_text(Fernet.generate_key().decode() + "\n")
    with pytest.raises(VaultError, match="wrong key"):
        Vault().set("acme", "new", "x")
    assert (home / "credentials.json").read_bytes() == before


def test_key_file_and_store_are_created_0600_on_first_use(home: Path) -> None:
    v = Vault()
    assert not (home / "vault.key").exists()
    v.set("acme", "cleo_password", SECRET)
    assert mode(home / "vault.key") == 0o600
    assert mode(home / "credentials.json") == 0o600
    Fernet((home / "vault.key").read_text().strip())  # a valid Fernet key


def test_reading_does_not_create_a_key_file(home: Path) -> None:
    with pytest.raises(CredentialNotFound):
        Vault().get("acme", "cleo_password")
    assert Vault().names() == []
    assert not (home / "vault.key").exists()


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o620])
def test_key_file_accessible_by_group_or_others_is_refused(filled: Vault, home: Path, loose: int) -> None:
    (home / "vault.key").chmod(loose)
    with pytest.raises(VaultError, match=f"accessible by group or others.*{loose:04o}.*chmod 600"):
        Vault().get("acme", "cleo_password")


def test_missing_key_file_with_an_existing_store_is_refused_not_recreated(filled: Vault, home: Path) -> None:
    (home / "vault.key").unlink()
    with pytest.raises(VaultError, match="missing"):
        Vault().set("acme", "other", "x")
    assert not (home / "vault.key").exists()


def test_key_file_and_store_paths_can_be_given_explicitly(tmp_path: Path, home: Path) -> None:
    v = Vault(tmp_path / "elsewhere" / "c.json", key_file=tmp_path / "elsewhere" / "k.key")
    v.set("acme", "pw", SECRET)
    assert (tmp_path / "elsewhere" / "k.key").exists()
    assert not (home / "vault.key").exists()
    assert v.get("acme", "pw").get_secret_value() == SECRET


def test_env_key_is_used_and_no_key_file_is_created(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv(ENV_KEY, key.decode())
    Vault().set("acme", "cleo_password", SECRET)
    assert not (home / "vault.key").exists()
    token = json.loads((home / "credentials.json").read_text())["entries"]["acme"]["cleo_password"]
    assert SECRET in Fernet(key).decrypt(token.encode()).decode()
    assert Vault().get("acme", "cleo_password").get_secret_value() == SECRET


def test_invalid_env_key_is_a_vault_error_that_does_not_echo_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY, "not-a-key-" + SECRET)
    with pytest.raises(VaultError, match=f"{ENV_KEY}: key #1 is not a valid Fernet key") as info:
        Vault().set("acme", "pw", "x")
    assert SECRET not in str(info.value)


def test_rotation_keeps_every_value_readable_and_the_old_key_no_longer_works(filled: Vault, home: Path) -> None:
    before = values(filled)
    old_key = (home / "vault.key").read_text().strip()
    assert filled.rotate_key() == 3
    new_keys = (home / "vault.key").read_text().split()
    assert len(new_keys) == 1
    assert new_keys[0] != old_key
    assert mode(home / "vault.key") == 0o600
    assert values(Vault()) == before
    (home / "vault.key").write_text(old_key + "\n")
    with pytest.raises(VaultError, match="wrong key"):
        Vault().get("acme", "cleo_password")


def test_rotation_that_fails_midway_leaves_store_and_key_file_untouched(
    filled: Vault, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, key = (home / "credentials.json").read_bytes(), (home / "vault.key").read_bytes()
    real_rotate = MultiFernet.rotate
    calls = 0

    def rotate_then_fail(self: MultiFernet, token: bytes | str) -> bytes:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("simulated failure while re-encrypting")
        return real_rotate(self, token)

    monkeypatch.setattr(MultiFernet, "rotate", rotate_then_fail)
    with pytest.raises(RuntimeError):
        filled.rotate_key()
    assert (home / "credentials.json").read_bytes() == store
    assert (home / "vault.key").read_bytes() == key


@pytest.mark.parametrize("crash_at", [1, 2, 3], ids=["key-file-new+old", "store", "key-file-new-only"])
def test_a_crash_at_any_rotation_write_leaves_every_entry_readable(
    filled: Vault, home: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    before = values(filled)
    real_write = vault_mod._atomic_write
    writes = 0

    def crash_on_nth(path: Path, data: bytes) -> None:
        nonlocal writes
        writes += 1
        if writes == crash_at:
            raise OSError("simulated crash")
        real_write(path, data)

    monkeypatch.setattr(vault_mod, "_atomic_write", crash_on_nth)
    with pytest.raises(OSError, match="simulated crash"):
        filled.rotate_key()
    monkeypatch.setattr(vault_mod, "_atomic_write", real_write)
    assert values(Vault()) == before
    assert Vault().rotate_key() == 3  # and a later rotation finishes the job
    assert len((home / "vault.key").read_text().split()) == 1
    assert values(Vault()) == before


def test_a_failed_write_leaves_the_old_store_intact_and_no_temp_file(
    filled: Vault, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (home / "credentials.json").read_bytes()

    def failing_fsync(fd: int) -> None:
        raise OSError("simulated disk failure")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="simulated disk failure"):
        filled.set("acme", "cleo_password", "a-new-value")
    monkeypatch.undo()
    assert (home / "credentials.json").read_bytes() == before
    assert [p.name for p in home.iterdir() if p.name.endswith(".tmp")] == []


def test_env_rotation_with_one_key_says_the_operator_must_update_the_variable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, Fernet.generate_key().decode())
    Vault().set("acme", "pw", SECRET)
    before = (home / "credentials.json").read_bytes()
    with pytest.raises(VaultError, match=f"{ENV_KEY}=NEW,OLD.*then set {ENV_KEY}=NEW"):
        Vault().rotate_key()
    assert (home / "credentials.json").read_bytes() == before


def test_env_rotation_reencrypts_under_the_first_key_so_the_old_one_can_go(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv(ENV_KEY, old)
    Vault().set("acme", "pw", SECRET)
    monkeypatch.setenv(ENV_KEY, f"{new}, {old}")
    assert Vault().rotate_key() == 1
    monkeypatch.setenv(ENV_KEY, new)
    assert Vault().get("acme", "pw").get_secret_value() == SECRET


def test_names_lists_customer_name_pairs_not_values(filled: Vault) -> None:
    assert filled.names() == [("acme", "cleo_password"), ("acme", "cleo_totp_seed"), ("globex", "qad_client_secret")]
    assert filled.names("globex") == [("globex", "qad_client_secret")]
    assert SECRET not in repr(filled.names())


def test_delete_removes_one_credential(filled: Vault) -> None:
    filled.delete("acme", "cleo_password")
    assert ("acme", "cleo_password") not in filled.names()
    with pytest.raises(CredentialNotFound):
        filled.delete("acme", "cleo_password")


def test_a_token_moved_onto_another_entry_is_detected(filled: Vault, home: Path) -> None:
    store_path = home / "credentials.json"
    store = json.loads(store_path.read_text())
    store["entries"]["globex"]["qad_client_secret"] = store["entries"]["acme"]["cleo_password"]
    store_path.write_text(json.dumps(store))
    with pytest.raises(VaultError, match="belongs to another entry"):
        Vault().get("globex", "qad_client_secret")


def test_empty_value_is_refused(home: Path) -> None:
    with pytest.raises(VaultError, match="empty value"):
        Vault().set("acme", "pw", "")


# -- the CLI ------------------------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str,
        stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_set_reads_the_value_from_stdin_without_its_newline(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "credentials", "set", "acme", "cleo_password", stdin=SECRET + "\n")
    assert code == 0
    assert out.strip() == "stored acme/cleo_password"
    assert Vault().get("acme", "cleo_password").get_secret_value() == SECRET


def test_cli_set_prompts_without_echo_on_a_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import getpass

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return SECRET

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys, "stdin", Tty())
    assert main(["credentials", "set", "acme", "pw"]) == 0
    assert prompts == ["value for acme/pw (not echoed): "]
    assert Vault().get("acme", "pw").get_secret_value() == SECRET


def test_cli_set_takes_no_value_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SystemExit):
        run(capsys, monkeypatch, "credentials", "set", "acme", "pw", SECRET)


def test_cli_list_shows_names_only(filled: Vault, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = run(capsys, monkeypatch, "credentials", "list")
    assert code == 0
    assert out.splitlines() == ["acme\tcleo_password", "acme\tcleo_totp_seed", "globex\tqad_client_secret"]
    _, out, _ = run(capsys, monkeypatch, "credentials", "list", "globex")
    assert out.splitlines() == ["globex\tqad_client_secret"]


def test_cli_rotate_key_keeps_values_readable(filled: Vault, home: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = values(filled)
    old_key = (home / "vault.key").read_text()
    code, out, _ = run(capsys, monkeypatch, "credentials", "rotate-key")
    assert code == 0
    assert "re-encrypted 3 credential(s)" in out
    assert (home / "vault.key").read_text() != old_key
    assert values(Vault()) == before


def test_cli_rotate_key_with_env_key_exits_2_with_instructions(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, Fernet.generate_key().decode())
    code, _, err = run(capsys, monkeypatch, "credentials", "rotate-key")
    assert code == 2
    assert f"set {ENV_KEY}=NEW" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_vault_errors_are_one_line_exit_2(filled: Vault, home: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "vault.key").chmod(0o644)
    code, _, err = run(capsys, monkeypatch, "credentials", "set", "acme", "x", stdin="v")
    assert code == 2
    assert err.startswith("edi: key file ")
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_no_secret_appears_in_output_or_error_messages(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    for argv, stdin in [(["credentials", "set", "acme", "pw"], SECRET), (["credentials", "set", "acme", "seed"], OTHER),
                        (["credentials", "list"], ""), (["credentials", "rotate-key"], ""),
                        (["credentials", "list", "acme"], ""), (["credentials", "delete", "acme", "seed"], "")]:
        _, out, err = run(capsys, monkeypatch, *argv, stdin=stdin)
        seen += [out, err]
    v = Vault()
    seen += [repr(v), str(v.get("acme", "pw")), repr(v.get("acme", "pw"))]
    (home / "vault.key").write_text(Fernet.generate_key().decode() + "\n")
    for action in (lambda: Vault().get("acme", "pw"), lambda: Vault().set("acme", "pw", SECRET),
                   lambda: Vault().rotate_key(), lambda: Vault().get("acme", "seed")):
        with pytest.raises(VaultError) as info:
            action()
        seen += [str(info.value), repr(info.value)]
    _, out, err = run(capsys, monkeypatch, "credentials", "set", "acme", "pw", stdin=SECRET)
    seen += [out, err]
    blob = "\n".join(seen)
    assert "stored acme/pw" in blob  # the checks above did run
    assert "wrong key" in blob
    assert SECRET not in blob
    assert OTHER not in blob
