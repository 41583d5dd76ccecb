"""Kernel start-up, execute round trip and comm round trip through
jupyter_client: tensorcell side by side with Debian's ipykernel and, when its
kernelspec is on JUPYTER_PATH, Deno's kernel (`deno jupyter`), in the same run.

  start-up: process start -> first kernel_info_reply (jupyter_client's
            KernelManager.start_kernel, then kernel_info until a reply);
            each start is printed, and the ratio of every start to the
            reference's median
  execute:  execute_request of a trivial cell -> execute_reply, N times
            (after 20 warm-up cells), p50 and p99
  comm:     the frontend opens a comm to a target a cell registered, then
            sends comm_msg N times; the kernel's handler answers each with a
            comm_msg on iopub; time from send to that answer, p50 and p99.
            Deno has no public API for frontend-opened comm targets, so its
            comm column is empty.

Usage: /usr/bin/python3 bench/kernel/bench_kernel.py [--cells 500] [--starts 5] [--comms 500]
Needs the tensorcell kernelspec on JUPYTER_PATH (bench/kernel/run.sh installs
it, and Deno's, into temporary folders).
"""
import argparse
import statistics
import time
import uuid

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

CODE = {"tensorcell": "1 + 1", "python3": "1 + 1", "deno": "1 + 1"}

# A cell that registers an echo comm target, per kernel.
COMM_TARGET = {
    "tensorcell": (
        'import { host } from "tensorcell";\n'
        'host().registerCommTarget("bench-echo", (comm) => ({ onMessage: (data) => comm.send(data) }));'
    ),
    "python3": (
        "def _bench_echo(comm, msg):\n"
        "    comm.on_msg(lambda m: comm.send(m['content']['data']))\n"
        "get_ipython().kernel.comm_manager.register_target('bench-echo', _bench_echo)"
    ),
}


def start_time(name):
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    # Like nbclient: ask repeatedly until the first kernel_info_reply (to any of the asks) arrives.
    while True:
        kc.kernel_info()
        try:
            reply = kc.get_shell_msg(timeout=0.05)
        except Exception:
            continue
        if reply["msg_type"] == "kernel_info_reply":
            break
    elapsed = time.perf_counter() - t0
    time.sleep(0.3)
    while True:  # drain the replies to the other asks
        try:
            kc.get_shell_msg(timeout=0.1)
        except Exception:
            break
    return km, kc, elapsed


def execute(kc, code):
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply


def percentiles(times):
    times.sort()
    return statistics.median(times), times[int(0.99 * len(times)) - 1]


def round_trips(kc, code, n):
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        execute(kc, code)
        if i >= 20:
            times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times)


def comm_round_trips(kc, name, n):
    reply = execute(kc, COMM_TARGET[name])
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{name}: registering the comm target failed: {reply['content']}")
    comm_id = uuid.uuid4().hex
    kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "bench-echo", "data": {}}))
    while True:  # drain iopub up to now
        try:
            kc.get_iopub_msg(timeout=0.3)
        except Exception:
            break
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"i": i}}))
        while True:
            msg = kc.get_iopub_msg(timeout=10)
            if msg["msg_type"] == "comm_msg" and msg["content"].get("comm_id") == comm_id and msg["content"]["data"].get("i") == i:
                break
        if i >= 20:
            times.append((time.perf_counter() - t0) * 1000)
    return percentiles(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=500)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--comms", type=int, default=500)
    args = parser.parse_args()
    names = ["tensorcell", "python3"]
    if "deno" in KernelSpecManager().find_kernel_specs():
        names.append("deno")
    else:
        print("deno kernelspec not found: Deno is left out (bench/kernel/run.sh installs it from npm)")
    results = {}
    for name in names:
        starts = []
        for _ in range(args.starts):
            km, kc, elapsed = start_time(name)
            starts.append(elapsed)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        km, kc, _ = start_time(name)
        p50, p99 = round_trips(kc, CODE[name], args.cells)
        comm = comm_round_trips(kc, name, args.comms) if name in COMM_TARGET else None
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        results[name] = {"starts": starts, "start": statistics.median(starts), "p50": p50, "p99": p99, "comm": comm}
        comm_text = f"   comm p50 {comm[0]:6.2f} ms  p99 {comm[1]:6.2f} ms" if comm else ""
        print(f"{name:11s} start-up median {results[name]['start']*1000:7.0f} ms (each: {', '.join(f'{s*1000:.0f}' for s in starts)})   "
              f"execute p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  ({args.cells} cells){comm_text}", flush=True)
    t = results["tensorcell"]
    for peer, label in (("python3", "ipykernel"), ("deno", "Deno")):
        if peer not in results:
            continue
        p = results[peer]
        each = ", ".join(f"{s / p['start']:.2f}" for s in t["starts"])
        line = (f"ratio tensorcell/{label}: start-up {t['start']/p['start']:.2f}x (each start / {label}'s median: {each})   "
                f"execute p50 {t['p50']/p['p50']:.2f}x   p99 {t['p99']/p['p99']:.2f}x")
        if t["comm"] and p["comm"]:
            line += f"   comm p50 {t['comm'][0]/p['comm'][0]:.2f}x   p99 {t['comm'][1]/p['comm'][1]:.2f}x"
        print(line)


if __name__ == "__main__":
    main()
