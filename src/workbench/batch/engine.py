"""The `workbench` papermill engine: run a notebook's cells in this process's own IPython shell.

No kernel process, no ZeroMQ, no second interpreter: the cells run in an `InteractiveShell`
whose display hook, display publisher and streams turn everything a cell shows into nbformat
outputs, as a kernel's messages would. It is registered through papermill's `papermill.engine`
entry point, so `papermill --engine workbench in.ipynb out.ipynb` uses it too (papermill 2.7
has no `-E` short form).

Run in-process, a notebook shares the process with its caller, so the batch runs each job in a
freshly forked child of a worker that has already imported the heavy libraries (see
`workbench.batch.forking`): the imports are paid once, and nothing a notebook does (pandas
options, `os.environ`, matplotlib rcParams, globals) reaches the next one.
"""

from __future__ import annotations

import io
import json
import signal
import sys
import threading
from contextlib import contextmanager

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default

from workbench.errors import WorkbenchError


class CellTimeoutError(WorkbenchError):
    """A cell ran longer than the execution timeout."""


def _clean(data):
    """JSON round trip, as a kernel's messages make one (numpy numbers become plain ones)."""
    return json.loads(json.dumps(data, default=json_default))


class _Collector:
    """Where the outputs of the running cell go."""

    outputs: list = []
    execution_count: int | None = None


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
        if update:
            return
        _Collector.outputs.append(nbformat.v4.new_output(
            "display_data", data=_clean(data), metadata=_clean(metadata or {})))

    def clear_output(self, wait=False):
        _Collector.outputs.clear()


class _Hook(DisplayHook):
    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        _Collector.outputs.append(nbformat.v4.new_output(
            "execute_result", data=_clean(format_dict), metadata=_clean(md_dict or {}),
            execution_count=_Collector.execution_count))

    def finish_displayhook(self):
        self._is_active = False


class _Stream(io.TextIOBase):
    """A text stream whose writes become `stream` outputs (consecutive writes merged)."""

    def __init__(self, name: str):
        self.name = name

    def write(self, text: str) -> int:
        if text:
            outs = _Collector.outputs
            if outs and outs[-1].get("output_type") == "stream" and outs[-1].get("name") == self.name:
                outs[-1]["text"] += text
            else:
                outs.append(nbformat.v4.new_output("stream", name=self.name, text=text))
        return len(text)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False


class _Shell(InteractiveShell):
    def _showtraceback(self, etype, evalue, stb):
        _Collector.outputs.append(nbformat.v4.new_output(
            "error", ename=str(etype.__name__), evalue=str(evalue), traceback=list(stb)))

    def enable_gui(self, gui=None):  # inline figures need no event loop
        pass

    def init_io(self):  # keep the process's own streams; cells get ours while they run
        pass


@contextmanager
def shell_session():
    """A fresh in-process shell with the inline matplotlib backend, as a kernel has.

    Any shell that already exists in this process is set aside and put back afterwards, with
    the process's display and exception hooks.
    """
    previous = InteractiveShell._instance if InteractiveShell.initialized() else None
    hooks = sys.displayhook, sys.excepthook
    _Shell.clear_instance()
    InteractiveShell.clear_instance()
    shell = _Shell.instance(display_pub_class=_Publisher, displayhook_class=_Hook, colors="nocolor",
                            history_length=0, cache_size=0)
    shell.history_manager.enabled = False
    try:
        shell.enable_matplotlib("inline")
    except ImportError:
        pass
    try:
        yield shell
    finally:
        _Collector.outputs = []
        _Shell.clear_instance()
        sys.displayhook, sys.excepthook = hooks
        if previous is not None:
            for klass in type(previous)._walk_mro():
                klass._instance = previous


@contextmanager
def _time_limit(seconds: float | None):
    """Raise CellTimeoutError in the cell after `seconds` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise CellTimeoutError(f"cell did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_cell(shell: InteractiveShell, cell, timeout: float | None = None) -> bool:
    """Execute one code cell, replacing its outputs; True when it raised no error."""
    _Collector.outputs = []
    _Collector.execution_count = shell.execution_count
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream("stdout"), _Stream("stderr")
    try:
        with _time_limit(timeout):
            result = shell.run_cell(cell.source, store_history=True)
    except CellTimeoutError as exc:   # raised outside the user's code, e.g. in a post-execute hook
        shell.showtraceback((type(exc), exc, exc.__traceback__))
        result = None
    finally:
        sys.stdout, sys.stderr = saved
    cell.execution_count = _Collector.execution_count
    cell.outputs = list(_Collector.outputs)
    return result is not None and result.success


def _execute_managed_notebook(cls, nb_man, kernel_name, execution_timeout=None, **kwargs):
    """Run every cell in order, stopping at the first error, recording each in `nb_man`."""
    language = nb_man.nb.metadata.get("kernelspec", {}).get("language", "python")
    if language != "python":
        raise WorkbenchError(f"the workbench engine runs Python notebooks only, not {language}")
    with shell_session() as shell:
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            ok = True
            if cell.cell_type == "code" and cell.source.strip():
                ok = run_cell(shell, cell, execution_timeout)
            if not ok:
                nb_man.cell_exception(cell, cell_index=index)
            nb_man.cell_complete(cell, cell_index=index)
            if not ok:
                break
    return nb_man.nb


_ENGINE = None


def __getattr__(name: str):
    """`WorkbenchEngine`, papermill's Engine subclass, made when first asked for.

    papermill imports this module through its `papermill.engine` entry point while
    `papermill.engines` is itself still being imported; importing papermill at the top of this
    module would make whichever of the two comes first see the other half-made. So nothing here
    imports papermill until the class is asked for (PEP 562 module attribute).
    """
    global _ENGINE
    if name != "WorkbenchEngine":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if _ENGINE is None:
        from papermill.engines import Engine   # defined before papermill loads its entry points
        if _ENGINE is None:                    # importing papermill may have asked for it already
            _ENGINE = type("WorkbenchEngine", (Engine,), {
                "__doc__": "Papermill engine that executes cells in-process (see the module docstring).",
                "__module__": __name__,
                "execute_managed_notebook": classmethod(_execute_managed_notebook)})
    return _ENGINE
