"""deploy/: the Helm values and the code location's Dockerfile agree with the repository's dagster.yaml and with
each other, and keep secrets out of both (nothing is built or downloaded here)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VALUES: dict[str, Any] = yaml.safe_load((DEPLOY / "values.yaml").read_text())
INSTANCE: dict[str, Any] = yaml.safe_load((ROOT / "dagster.yaml").read_text())
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
[CODE_LOCATION] = VALUES["dagster-user-deployments"]["deployments"]


def instructions(name: str) -> list[str]:
    """The arguments of every ``NAME`` instruction of the Dockerfile (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [m.group(1).strip() for m in re.finditer(rf"^{name}\s+(.+)$", text, flags=re.MULTILINE)]


def test_runs_are_launched_as_kubernetes_jobs() -> None:
    assert VALUES["runLauncher"]["type"] == "K8sRunLauncher"


def test_the_instance_is_stored_in_an_external_postgresql_whose_password_is_a_secret() -> None:
    postgresql = VALUES["postgresql"]
    assert postgresql["enabled"] is False
    assert postgresql["postgresqlHost"]
    assert postgresql["postgresqlPassword"] == ""
    assert VALUES["generatePostgresqlPasswordSecret"] is False
    assert VALUES["global"]["postgresqlSecretName"]


def test_run_queue_pools_and_run_retries_are_those_of_dagster_yaml() -> None:
    concurrency = VALUES["concurrency"]
    assert concurrency["enabled"] is True
    assert concurrency["runs"]["maxConcurrentRuns"] == INSTANCE["concurrency"]["runs"]["max_concurrent_runs"]
    assert concurrency["pools"]["defaultLimit"] == INSTANCE["concurrency"]["pools"]["default_limit"]
    retries = VALUES["dagsterDaemon"]["runRetries"]
    assert retries == {"enabled": INSTANCE["run_retries"]["enabled"],
                       "maxRetries": INSTANCE["run_retries"]["max_retries"]}
    assert VALUES["dagsterDaemon"]["runCoordinator"]["type"] == "QueuedRunCoordinator"


def test_the_ledger_url_and_vault_key_come_from_a_secret_never_from_the_values() -> None:
    assert {"name": "edi-secrets"} in CODE_LOCATION["envSecrets"]
    assert "EDI_LEDGER_URL" not in json.dumps(CODE_LOCATION["env"])
    assert "EDI_VAULT_KEY" not in json.dumps(CODE_LOCATION["env"])
    assert "postgresql://" not in json.dumps(VALUES)


def test_run_pods_get_the_code_locations_secrets_and_volumes() -> None:
    assert CODE_LOCATION["includeConfigInLaunchedRuns"] == {"enabled": True}
    mounts = {m["name"]: m["mountPath"] for m in CODE_LOCATION["volumeMounts"]}
    assert mounts["edi-state"] == VALUES["global"]["dagsterHome"]


def test_the_code_location_serves_the_products_definitions() -> None:
    args = CODE_LOCATION["dagsterApiGrpcArgs"]
    assert args[0] == "-m"
    assert importlib.util.find_spec(args[1]) is not None
    assert args[1] in instructions("CMD")[0]


def test_the_image_is_python_311_slim_and_runs_as_the_user_the_values_name() -> None:
    assert all(base.split()[0] == "python:3.11-slim" for base in instructions("FROM"))
    [user] = instructions("USER")
    uid = user.split(":")[0]
    assert uid.isdigit()
    assert int(uid) != 0
    assert CODE_LOCATION["securityContext"]["runAsUser"] == int(uid)


def test_the_image_serves_grpc_by_cmd_so_run_pods_can_pass_their_own_command() -> None:
    assert instructions("ENTRYPOINT") == []
    [cmd] = instructions("CMD")
    assert json.loads(cmd)[:3] == ["dagster", "api", "grpc"]


def test_the_image_installs_the_project_and_bakes_the_mappings_without_demo_credentials() -> None:
    assert any(re.search(r"pip install .* \.(\s|$)", run) for run in instructions("RUN"))
    assert any("mappings/" in copy for copy in instructions("COPY"))
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "mappings/demo-credentials.yaml" in ignored
    assert ".venv" in ignored
