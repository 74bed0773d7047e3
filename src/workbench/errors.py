"""The workbench's own errors: each says what went wrong and what to change.

The CLI prints any :class:`WorkbenchError` as one line and exits 2; other exceptions are bugs.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class CatalogError(WorkbenchError):
    """The evidence catalogue is missing, malformed, or names an unknown dataset."""


class DataValidationError(WorkbenchError):
    """A data file breaks its schema; the message names file, row and column."""

    def __init__(self, path: str, problem: str, row: int | None = None, column: str | None = None):
        self.path, self.problem, self.row, self.column = str(path), problem, row, column
        where = [self.path]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {problem}")


class SpecificationError(WorkbenchError):
    """An analysis was asked for something the data cannot give (unknown column, no pre-period...)."""


class ConfigError(WorkbenchError):
    """The batch configuration file is missing or malformed."""


class DesignWarning(UserWarning):
    """A fit that runs, but whose design is questionable for these data; the message names a better one."""


class BuildLockedError(WorkbenchError):
    """Another build holds the lock of the reports folder."""


class ExecutorError(WorkbenchError):
    """An executor or engine is unknown, or a scheduler cannot be reached."""
