"""Reading an untrusted file where a crash or a memory blow-up costs only that read.

One job: ``read_isolated(parse, data, ...)`` runs ``parse(data, ...)`` in a short-lived child process
under an address-space limit and a time limit, and returns its result or raises its DataError. A
reader that aborts (the spreadsheet reader's native code ends its process when an allocation fails),
asks for gigabytes or runs for minutes ends only its child; the caller gets one sentence and goes on.

The children are forked by a read server: a small Python process started once per calling process,
with the readers imported (about 1 s, paid once), which forks one child per read (a few milliseconds)
and answers with the child's result. Forking the caller itself would copy its threads' locks (the
Streamlit server, the Dask client), and multiprocessing's own fork server re-runs the caller's main
script in every child. Plain subprocesses also work where multiprocessing refuses children (Dask's
daemonic workers), so the server, the CLI and the workers all read through here.
"""

from __future__ import annotations

import importlib
import os
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from models import errors, limits
from models.data import wire
from models.data.bounds import check_declared
from models.errors import DataError, LabError

T = TypeVar("T")

_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where the package `models` can be imported from
_PRELOAD = ("models.data.load", "models.data.source", "python_calamine")
_HEADER = struct.Struct("!Q")  # every message: its length, then models/data/wire.py's encoding
# (parser "module:name", data, args, kwargs, the caller's LSTMLAB_ settings, memory MB, seconds)
Request = tuple[str, Any, tuple[Any, ...], dict[str, Any], dict[str, str], int, int]
# ("ok", value), ("error", "DataError", sentence), or ("memory" | "time" | "crash",)
Answer = tuple[Any, ...]
_MAX_SERVERS = 4  # reads at once per calling process; more wait for a free server
_in_child = False  # True inside a read's child: nested reads (load_series -> table_of) run in-process
_server_pipes: list[int] = []  # in a read server: its pipes to the caller, closed in every child
# Largest answer a child may send: a table of strings takes a few times its file's bytes; more means a
# file that expands (one string shared by many cells), refused as too big for memory.
_ANSWER_FLOOR = 16 * 1024 * 1024
_ANSWER_PER_BYTE = 8


def read_isolated(parse: Callable[..., T], data: bytes, *args: Any, **kwargs: Any) -> T:
    """``parse(data, *args, **kwargs)`` in a child process bounded by ``limits.max_read_mb()`` of
    memory and ``limits.max_read_seconds()`` of time. ``parse`` must be a module-level function of
    ``models.data`` and its result one that models/data/wire.py sends. Raises what ``parse`` raised
    (as its LabError type, anything else as RuntimeError), or DataError when the child was stopped."""
    if _in_child:
        return parse(data, *args, **kwargs)
    settings = {name: value for name, value in os.environ.items() if name.startswith("LSTMLAB_")}
    request = (f"{parse.__module__}:{parse.__qualname__}", data, args, kwargs, settings,
               limits.max_read_mb(), limits.max_read_seconds())
    answer = _POOL.ask(request)
    if answer[:1] == ("ok",) and len(answer) == 2:
        return answer[1]  # the wire format carries no types: what ``parse`` returned, rebuilt
    if answer[:1] == ("error",) and len(answer) == 3:
        raise _error(str(answer[1]), str(answer[2]))
    raise DataError({"memory": too_big_message, "time": too_slow_message}.get(answer[0], crashed_message)())


def too_big_message() -> str:
    return (f"Reading this file needs more than {limits.max_read_mb():,} MB of memory, this server's "
            "limit for one file: upload a smaller extract (fewer rows or columns), or save it as CSV.")


def too_slow_message() -> str:
    return (f"Reading this file takes more than {limits.max_read_seconds()} s, this server's limit for "
            "one file: upload a smaller extract (fewer rows or columns), or save it as CSV.")


def crashed_message() -> str:
    return ("The file reader crashed on this file, which is probably damaged: save it again as .xlsx "
            "or as CSV and upload that.")


# ── the calling side ──────────────────────────────────────────────────────────────────────────


class _ReadServer:
    """One read server process and the pipes to it; one request at a time."""

    def __init__(self) -> None:
        environment = dict(os.environ)
        # Arrow's own allocators reserve far more address space than they use, which the children's
        # limit would refuse; the system allocator asks for what it needs.
        environment["ARROW_DEFAULT_MEMORY_POOL"] = "system"
        environment["RUST_BACKTRACE"] = "0"
        environment["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(_PROJECT_ROOT), environment.get("PYTHONPATH", "")]))
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from models.data.isolated import serve; serve()"], cwd=_PROJECT_ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, start_new_session=True)
        assert self.process.stdin is not None and self.process.stdout is not None  # both are pipes
        self.requests, self.answers = self.process.stdin, self.process.stdout

    def ask(self, request: Request) -> Answer:
        _send(self.requests, request)
        header = _read_exactly(self.answers, _HEADER.size)
        payload = _read_exactly(self.answers, _HEADER.unpack(header)[0])
        try:
            return tuple(wire.decode(payload))
        except Exception:  # a child that wrote something else than an answer: that read failed
            return ("crash",)

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


class _ServerPool:
    """Read servers of this process, started when first needed and kept for the next reads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_ReadServer] = []
        self._slots = threading.BoundedSemaphore(_MAX_SERVERS)

    def ask(self, request: Request) -> Answer:
        with self._slots:
            try:
                return self._ask_one(request)
            except (BrokenPipeError, EOFError, OSError):  # the server died in between: once more, anew
                return self._ask_one(request)

    def _ask_one(self, request: Request) -> Answer:
        server = self._take()
        try:
            answer = server.ask(request)
        except BaseException:
            server.close()
            raise
        with self._lock:
            self._idle.append(server)
        return answer

    def _take(self) -> _ReadServer:
        with self._lock:
            while self._idle:
                server = self._idle.pop()
                if server.process.poll() is None:
                    return server
        return _ReadServer()


_POOL = _ServerPool()


def _error(name: str, sentence: str) -> Exception:
    """The exception a read raised, rebuilt by name: one of models.errors, else a RuntimeError."""
    kind = getattr(errors, name, None)
    if isinstance(kind, type) and issubclass(kind, LabError):
        return kind(sentence)
    return RuntimeError(sentence)


def _parser(name: str) -> Callable[..., Any]:
    """A parse function named "module:name": only functions of models.data are ever run."""
    module, _, function = name.partition(":")
    if not module.startswith("models.data.") or not function.isidentifier():
        raise ValueError(f"Not a reader of models.data: {name!r}.")
    parse = getattr(importlib.import_module(module), function)
    if not callable(parse):
        raise ValueError(f"Not a reader of models.data: {name!r}.")
    return parse


def _send(stream: IO[bytes], message: object) -> None:
    payload = wire.encode(message)
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def _receive(stream: IO[bytes]) -> Any:
    header = _read_exactly(stream, _HEADER.size)
    return wire.decode(_read_exactly(stream, _HEADER.unpack(header)[0]))


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            raise EOFError("the read server closed its pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# ── the read server and its children ──────────────────────────────────────────────────────────


def serve() -> None:
    """The read server's loop: one request from stdin, one forked child, one answer on stdout."""
    for module in _PRELOAD:
        importlib.import_module(module)
    requests = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDWR), 0)
    os.dup2(2, 1)  # nothing a reader prints can reach the answer pipe
    _server_pipes.extend([requests.fileno(), answers.fileno()])
    while True:
        try:
            request = _receive(requests)
        except EOFError:  # the calling process has gone
            return
        try:
            payload = _read_in_child(*request)
        except Exception:  # a fork or pipe that failed, a request it cannot read: that read failed
            payload = wire.encode(("crash",))
        answers.write(_HEADER.pack(len(payload)) + payload)
        answers.flush()


def _read_in_child(parser: str, data: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                   settings: dict[str, str], budget_mb: int, seconds: int) -> bytes:
    """Fork a child for one read; its answer's bytes as they came (checked for size, never decoded
    here), or an encoded outcome of our own when it gave none."""
    most = _ANSWER_FLOOR + _ANSWER_PER_BYTE * (len(data) if isinstance(data, bytes) else 0)
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(readable)
        _child(writable, parser, data, args, kwargs, settings, budget_mb, seconds)
    os.close(writable)
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    received = 0
    outcome: Answer | None = None
    with os.fdopen(readable, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                outcome = ("time",)
                break
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
            if received > most:  # an answer this large would cost the caller what the child was spared
                outcome = ("memory",)
                break
    if outcome is not None:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    if outcome is not None:
        return wire.encode(outcome)
    answer = b"".join(chunks)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and len(answer) > _HEADER.size \
            and _HEADER.unpack_from(answer)[0] == len(answer) - _HEADER.size:
        return answer[_HEADER.size:]
    # No whole answer: the reader's native code aborted on a failed allocation (SIGABRT), the limit's
    # kill, or the CPU limit (SIGXCPU); anything else is a crash of the reader.
    signalled = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    if signalled == signal.SIGXCPU:
        return wire.encode(("time",))
    return wire.encode(("memory",) if signalled in (signal.SIGABRT, signal.SIGKILL) else ("crash",))


def _child(writable: int, parser: str, data: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
           settings: dict[str, str], budget_mb: int, seconds: int) -> None:
    """Cap the address space at the budget (the readers' code and libraries, about 360 MB, included)
    and the CPU time at the time limit (it ends the child even if the server is gone), check what the
    file declares, parse, answer, exit."""
    global _in_child
    _in_child = True
    for descriptor in _server_pipes:  # only the server talks to the caller
        os.close(descriptor)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # a native reader's abort message is not the caller's
    for name in [name for name in os.environ if name.startswith("LSTMLAB_")]:
        del os.environ[name]
    os.environ.update(settings)  # the caller's limits, as they are now
    status = 0
    try:
        cap = budget_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        resource.setrlimit(resource.RLIMIT_CPU, (seconds + 1, seconds + 2))
        try:
            if isinstance(data, bytes):
                check_declared(data)
            answer: Answer = ("ok", _parser(parser)(data, *args, **kwargs))
        except MemoryError:
            answer = ("memory",)
        except LabError as error:
            answer = ("error", type(error).__name__, str(error))
        except Exception as error:  # a reader's bug: keep its type and words for the caller's report
            answer = ("error", "RuntimeError", f"{type(error).__name__}: {error}")
        except BaseException:  # the spreadsheet reader's panics derive from BaseException
            answer = ("crash",)
        with os.fdopen(writable, "wb") as pipe:
            _send(pipe, answer)
    except BaseException:
        status = 1
    finally:
        os._exit(status)
