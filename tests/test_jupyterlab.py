"""`make kernel` / `make lab`: JupyterLab lists the named kernel and runs a notebook in it.

The kernel is installed by the Makefile's own `kernel` target into a temporary prefix (not the
venv), JupyterLab is started on a free 127.0.0.1 port with a token and no update checks, and a
notebook saved through the contents API is executed cell by cell over the kernel websocket.
About 10 s on an idle machine, so not marked slow.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import requests
import websocket

from workbench import analysis

KERNEL, DISPLAY = "workbench", "Collaboration Evidence Workbench"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _install_kernel(root: Path, prefix: Path) -> None:
    """Run the Makefile's `kernel` target with this interpreter, into `prefix` (setup not re-run)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    subprocess.run(["make", "-s", "-o", ".venv/.installed", "kernel", f"KERNEL_SCOPE=--prefix={prefix}",
                    f"BIN={Path(sys.executable).parent}"], cwd=root, check=True, capture_output=True, timeout=120)


@pytest.fixture
def lab(tmp_path, root):
    """A JupyterLab server on 127.0.0.1 seeing only the kernels in a temporary prefix; yields (url, token)."""
    prefix, work = tmp_path / "prefix", tmp_path / "work"
    work.mkdir()
    _install_kernel(root, prefix)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_PATH": str(prefix / "share" / "jupyter"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={work}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.news_url=None"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, url, token, tmp_path / "lab.log")
        yield url, token
    finally:
        try:
            requests.post(f"{url}/api/shutdown", headers=_auth(token), timeout=10)
            server.wait(timeout=30)  # the server stops itself; killed below only if it does not
        except (requests.RequestException, subprocess.TimeoutExpired):
            server.kill()
            server.wait(timeout=10)
        log.close()


def _auth(token: str) -> dict:
    return {"Authorization": f"token {token}"}


def _wait_until_up(server, url, token, log_path, timeout=90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/api/status", headers=_auth(token), timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"JupyterLab did not answer within {timeout} s:\n{log_path.read_text()[-3000:]}")


def _execute(ws, session: str, code: str, timeout: float = 120.0) -> tuple[str, list[dict]]:
    """Send one execute_request over the kernel websocket; return the reply status and the iopub outputs."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": session,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    outputs, status, idle = [], None, False
    deadline = time.monotonic() + timeout
    while (status is None or not idle) and time.monotonic() < deadline:
        msg = json.loads(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "execute_reply":
            status = msg["content"]["status"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            idle = True
        elif kind in ("stream", "execute_result", "display_data", "error"):
            outputs.append({"output_type": kind, **msg["content"]})
    assert status is not None and idle, f"no reply to {code!r} within {timeout} s"
    return status, outputs


NOTEBOOK_CELLS = [
    "import sys\nprint(sys.executable)",
    "from workbench import analysis, briefs, evidence\nlen(analysis.designs())",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()",
]


def test_lab_lists_the_named_kernel_and_runs_a_notebook_through_its_api(lab):
    url, token = lab
    specs = requests.get(f"{url}/api/kernelspecs", headers=_auth(token), timeout=10).json()
    assert specs["kernelspecs"][KERNEL]["spec"]["display_name"] == DISPLAY
    assert requests.get(f"{url}/lab", headers=_auth(token), timeout=30).status_code == 200
    assert requests.get(f"{url}/api/kernelspecs", timeout=10).status_code == 403  # the token is required

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS],
                                  metadata={"kernelspec": {"name": KERNEL, "display_name": DISPLAY,
                                                           "language": "python"}})
    saved = requests.put(f"{url}/api/contents/check.ipynb", headers=_auth(token), timeout=10,
                         json={"type": "notebook", "format": "json", "content": json.loads(nbformat.writes(nb))})
    assert saved.status_code in (200, 201), saved.text
    notebook = requests.get(f"{url}/api/contents/check.ipynb", headers=_auth(token), timeout=10).json()["content"]
    session = requests.post(f"{url}/api/sessions", headers=_auth(token), timeout=60,
                            json={"path": "check.ipynb", "type": "notebook", "name": "check.ipynb",
                                  "kernel": {"name": notebook["metadata"]["kernelspec"]["name"]}}).json()
    assert session["kernel"]["name"] == KERNEL
    channels = f"{url.replace('http', 'ws', 1)}/api/kernels/{session['kernel']['id']}/channels?token={token}"
    ws = websocket.create_connection(channels, timeout=120)
    try:
        results = [_execute(ws, session["id"], "".join(cell["source"])) for cell in notebook["cells"]]
    finally:
        ws.close()
        requests.delete(f"{url}/api/sessions/{session['id']}", headers=_auth(token), timeout=30)

    assert [status for status, _ in results] == ["ok", "ok", "ok"], results
    printed = results[0][1][0]["text"].strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()  # the kernel runs this environment
    assert results[1][1][0]["data"]["text/plain"] == str(len(analysis.designs()))
    assert any("image/png" in o.get("data", {}) for o in results[2][1])  # inline figures after importing briefs
