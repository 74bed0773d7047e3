"""environment.yml and pyproject.toml list the same runtime dependencies at the same versions."""

from __future__ import annotations

import re
import tomllib

import yaml


def _pyproject(root):
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    return {re.split(r"[=<>!~ ]", d)[0].lower(): d.split("==")[1] for d in deps}


def _environment(root):
    env = yaml.safe_load((root / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and d not in ("pip",)]
    pinned = dict(d.split("=", 1) for d in conda)
    pinned.pop("python")
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return {k.lower(): v for k, v in pinned.items()}, pip


def test_environment_lists_the_same_runtime_dependencies_as_pyproject(root):
    conda, pip = _environment(root)
    assert conda == _pyproject(root)
    assert pip == ["-e ."]


def test_every_runtime_dependency_is_pinned_exactly(root):
    deps = tomllib.loads((root / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all("==" in d for d in deps), deps


def test_lock_file_agrees_with_pyproject_pins(root):
    lock = {}
    for line in (root / "requirements" / "lock.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            lock[name.lower().replace("_", "-")] = version
    for name, version in _pyproject(root).items():
        assert lock.get(name) == version, f"{name}: pyproject {version}, lock {lock.get(name)}"
