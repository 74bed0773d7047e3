"""Batch: a plan of briefs from a config file, run by an executor, recorded in a manifest."""

from workbench.batch.build import BuildReport, build
from workbench.batch.executors import LocalExecutor
from workbench.batch.plan import Job, Plan, load_plan

__all__ = ["BuildReport", "Job", "LocalExecutor", "Plan", "build", "load_plan"]
