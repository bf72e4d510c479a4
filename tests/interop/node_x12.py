"""Read X12 files with the npm package node-x12 (strict mode) to check our output interoperates.

node-x12 is installed into ``build/node-x12`` from ``tests/interop/package.json`` by::

    npm install --prefix build/node-x12 --no-audit --no-fund --install-links ./tests/interop

(``make node-x12``). ``node_x12_read`` runs ``tests/interop/node_x12_read.js``, which prints one JSON
line; see that script for what node-x12 strict mode checks and what the harness adds.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
from typing import Final

REPO_ROOT: Final[pathlib.Path] = pathlib.Path(__file__).resolve().parents[2]
NODE_X12_DIR: Final[pathlib.Path] = REPO_ROOT / "build" / "node-x12"
NODE_MODULES_DIR: Final[pathlib.Path] = NODE_X12_DIR / "node_modules"
READER_SCRIPT: Final[pathlib.Path] = pathlib.Path(__file__).resolve().with_name("node_x12_read.js")
INSTALL_MAKE_TARGET: Final[str] = "node-x12"
INSTALL_COMMAND: Final[str] = (
    "npm install --prefix build/node-x12 --no-audit --no-fund --install-links ./tests/interop"
)
TIMEOUT_SECONDS: Final[float] = 60.0


def node_x12_available() -> str | None:
    """Return None when node-x12 can be used, else a one-line reason (for pytest.skip)."""
    if shutil.which("node") is None:
        return "node is not on PATH; the node-x12 interop tests need Node.js"
    if not (NODE_MODULES_DIR / "node-x12" / "package.json").is_file():
        return (
            f"node-x12 is not installed under {NODE_X12_DIR}; run `make {INSTALL_MAKE_TARGET}` "
            f"(or `{INSTALL_COMMAND}` from the repo root)"
        )
    if not READER_SCRIPT.is_file():
        return f"the interop reader script {READER_SCRIPT} is missing"
    return None


def node_x12_read(path: pathlib.Path) -> dict[str, object]:
    """Parse ``path`` with node-x12 in strict mode and return the reader's JSON result.

    The result has ``"ok": True`` and the counts when node-x12 accepts the file, or ``"ok": False``
    and ``"error"`` (plus ``"error_name"`` and ``"stage"``) when it rejects it. A broken harness
    (node missing, node-x12 not installed, unreadable file, crash, timeout) raises RuntimeError
    instead, so a test expecting a rejection cannot pass by accident.
    """
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH")
    env = dict(os.environ)
    previous = env.get("NODE_PATH")
    env["NODE_PATH"] = (
        str(NODE_MODULES_DIR) if not previous else os.pathsep.join([str(NODE_MODULES_DIR), previous])
    )
    try:
        proc = subprocess.run(
            [node, str(READER_SCRIPT), str(pathlib.Path(path).resolve())],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"node-x12 reader timed out after {TIMEOUT_SECONDS:g} s on {path}") from exc

    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    result: object = None
    if lines:
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError:
            result = None
    if proc.returncode not in (0, 1) or not isinstance(result, dict):
        detail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()
        raise RuntimeError(
            f"node-x12 reader failed on {path} (exit {proc.returncode}): " + " | ".join(detail[-5:])
        )
    if result.get("ok") is not (proc.returncode == 0):
        raise RuntimeError(f"node-x12 reader gave exit {proc.returncode} with result {result!r}")
    return {str(key): value for key, value in result.items()}
