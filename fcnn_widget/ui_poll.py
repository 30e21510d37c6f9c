"""Handle the page's messages (a Stop click, a slider) inside a running cell.

A kernel reads a page's widget messages only between cells, so a foreground ``w.fit`` would
hear its Stop button only after it ended. Between chunks of training :func:`poller` gives a
function that dispatches the comm messages waiting for the kernel and leaves every other
message (a queued cell, an interrupt request) waiting, in order, for after the cell.

- ipykernel 7 (anyio, a shell-channel thread): messages wait in the in-process socket from
  that thread to the shell on this thread. We read what is there, run comm messages through
  the kernel's own handlers and hand every other message to the socket stream's own callback,
  which schedules it exactly as if it had just arrived (it queues behind the running cell).
  This touches ipykernel internals (``shell_channel_thread.manager``, the stream's
  ``_recv_callback``); anything unexpected and :func:`poller` returns None.
- ipykernel < 7: ``jupyter_ui_poll`` (``kernel.do_one_iteration``).
- elsewhere (no kernel, an in-process kernel, a thread other than the shell's): None; the page
  then offers the kernel's interrupt, which stops training with history and parameters kept.

>>> poller() is None  # not inside a kernel here
True
"""

from __future__ import annotations

import inspect
import sys
import threading
from collections.abc import Callable

COMM_TYPES = frozenset({"comm_open", "comm_msg", "comm_close"})
MAX_MESSAGES = 100  # per call: a flood of page messages cannot stall training


class Poller:
    """``poll()`` handles waiting page messages; ``close()`` when training ends."""

    def __init__(self, poll: Callable[[], object], close: Callable[[], object] = lambda: None):
        self._poll, self._close = poll, close

    def __call__(self, _history=None) -> None:
        self._poll()

    def close(self) -> None:
        self._close()


def poller() -> Poller | None:
    """A :class:`Poller` for the kernel running this cell, or None where none can work."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    if _shell_stream(kernel) is not None:
        return Poller(lambda: poll_comms(kernel))
    if getattr(kernel, "shell_channel_thread", None) is None and hasattr(
        kernel, "do_one_iteration"
    ):
        try:
            from jupyter_ui_poll import ui_events
        except ImportError:
            return None
        context = ui_events()
        poll = context.__enter__()
        return Poller(lambda: poll(20), lambda: context.__exit__(None, None, None))
    return None


def poll_comms(kernel) -> int | None:
    """Dispatch the comm messages waiting for this thread's shell now; schedule the others
    as they would have been. The number of comm messages handled (None: cannot here)."""
    found = _shell_stream(kernel)
    if found is None:
        return None
    stream, subshell_id = found
    import zmq

    session, handled = kernel.session, 0
    for _ in range(MAX_MESSAGES):
        try:
            frames = stream.socket.recv_multipart(zmq.NOBLOCK, copy=False)
        except zmq.Again:
            break
        try:
            idents, rest = session.feed_identities(frames, copy=False)
            # content=False only peeks: the signature is not recorded, so the real dispatch
            # of a deferred message is not refused as a duplicate.
            msg_type = session.deserialize(rest, content=False, copy=False)["header"]["msg_type"]
        except Exception:  # not a message we may read (e.g. the kernel's own sentinels)
            msg_type = None
        if msg_type not in COMM_TYPES:
            stream._run_callback(stream._recv_callback, frames)  # as if it arrived just now
            continue
        try:
            msg = session.deserialize(rest, content=True, copy=False)
        except Exception:
            kernel.log.error("fcnn-widget: invalid comm message while training", exc_info=True)
            continue
        handled += _dispatch(kernel, subshell_id, idents, msg)
    return handled


def _dispatch(kernel, subshell_id, idents, msg) -> int:
    """Run one comm message through the kernel's handler, as its shell would."""
    parent, parent_ident = kernel.get_parent("shell"), kernel._parent_ident["shell"]
    _flush()
    kernel.set_parent(idents, msg, channel="shell")
    # busy/idle with this message as parent, as the kernel's own dispatch does: the page's
    # widget manager sends its next update only once the last one went idle.
    kernel._publish_status("busy", "shell", parent=msg)
    try:
        manager = kernel.shell_channel_thread.manager
        reply_to = manager.get_subshell_to_shell_channel_socket(subshell_id)
        result = kernel.shell_handlers[msg["header"]["msg_type"]](reply_to, idents, msg)
        if inspect.isawaitable(result):  # not so for ipykernel's comm manager
            import asyncio

            asyncio.ensure_future(result)
        return 1
    except Exception:
        kernel.log.error("fcnn-widget: a comm handler failed while training", exc_info=True)
        return 0
    finally:
        _flush()
        kernel._publish_status("idle", "shell", parent=msg)
        kernel.set_parent(parent_ident, parent, channel="shell")


def _shell_stream(kernel):
    """(the socket stream feeding the shell on this thread, its subshell id), or None."""
    channel = getattr(kernel, "shell_channel_thread", None)
    if channel is None or getattr(kernel, "session", None) is None:
        return None  # ipykernel < 7, an in-process kernel, or another kernel
    try:
        manager = channel.manager
        subshell_id = manager.subshell_id_from_thread_id(threading.get_ident())
        stream = manager.get_shell_channel_to_subshell_pair(subshell_id).to_stream
    except Exception:  # a thread of the user's, or internals that changed
        return None
    if stream is None or not callable(getattr(stream, "_recv_callback", None)):
        return None
    return stream, subshell_id


def _flush() -> None:
    for f in (sys.stdout, sys.stderr):
        if f is not None:
            f.flush()
