"""Batch: a plan of briefs from a config file, keyed for incremental builds, run by an executor.

Names are imported on first use, so `workbench plan` and a build with nothing to do stay light
(no pandas, matplotlib or nbconvert unless a job runs).
"""

from importlib import import_module

_NAMES = {
    "BuildReport": "build", "build": "build", "LockBusy": "build",
    "LocalExecutor": "executors", "DaskExecutor": "executors", "executor": "executors",
    "Job": "plan", "Plan": "plan", "load_plan": "plan",
    "plan_status": "keys",
}

__all__ = sorted(_NAMES)


def __getattr__(name):
    if name in _NAMES:
        return getattr(import_module(f"workbench.batch.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'workbench.batch' has no attribute '{name}'")
