"""ui_poll in a real ipykernel: a running cell handles the page's comm messages between its
chunks, while other requests queued meanwhile still run after it, in order."""

from __future__ import annotations

import queue
import sys
import textwrap
import time

import pytest

from fcnn_widget import ui_poll

jupyter_client = pytest.importorskip("jupyter_client")

COMM_ID = "fcnn-ui-poll-test"
LOOP = """
import comm, time
from fcnn_widget import ui_poll
LOG = []
state = {"stop": False}
channel = comm.create_comm(target_name="fcnn-ui-poll-test", comm_id=COMM_ID)
channel.on_msg(lambda msg: (state.update(stop=True), LOG.append("comm:stop")))
poll = ui_poll.poller()
LOG.append("A:start")
print("A:looping", flush=True)
start = time.monotonic()
while time.monotonic() - start < 20 and not state["stop"]:
    time.sleep(0.05)  # one chunk of training
    poll()
poll.close()
LOG.append("A:end")
print("A:done", state["stop"], round(time.monotonic() - start, 2))
""".replace("COMM_ID", repr(COMM_ID))


@pytest.fixture
def kernel():
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.kernel_spec.argv[0] = sys.executable  # this venv's kernel, whatever is installed
    manager.start_kernel()
    client = manager.blocking_client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    yield client
    client.stop_channels()
    manager.shutdown_kernel(now=True)


def output_of(client, msg_id, timeout=30.0) -> str:
    """The stream text a request printed, up to its idle status."""
    text, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            text.append(msg["content"]["text"])
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return "".join(text)


def test_a_running_cell_hears_the_page_and_queued_cells_keep_their_order(kernel):
    a = kernel.execute(textwrap.dedent(LOOP))
    wait_for_text(kernel, a, "A:looping")
    b = kernel.execute("LOG.append('B'); print(LOG)")
    kernel.shell_channel.send(kernel.session.msg("comm_msg", {"comm_id": COMM_ID, "data": {}}))
    c = kernel.execute("LOG.append('C'); print(LOG)")
    order = []
    while len(order) < 3:
        reply = kernel.get_shell_msg(timeout=60)
        if reply["msg_type"] != "execute_reply":
            continue  # a late kernel_info_reply: wait_for_ready asks again when the kernel is slow
        order.append({a: "A", b: "B", c: "C"}.get(reply["parent_header"].get("msg_id")))
        assert reply["content"]["status"] == "ok", reply["content"]
    assert order == ["A", "B", "C"]
    # The stop reached the loop while it ran (long before its 20 s), and B and C ran after.
    assert output_of(kernel, c).strip() == "['A:start', 'comm:stop', 'A:end', 'B', 'C']"


def wait_for_text(client, msg_id, text, timeout=60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = client.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        same = msg["parent_header"].get("msg_id") == msg_id
        if same and msg["msg_type"] == "stream" and text in msg["content"]["text"]:
            return
    raise TimeoutError(f"no {text!r} from the kernel within {timeout} s")


def test_no_poller_outside_a_kernel():
    assert ui_poll.poller() is None
    assert ui_poll.poll_comms(object()) is None
