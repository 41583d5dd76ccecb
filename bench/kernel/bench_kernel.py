"""Kernel start-up and execute round trip through jupyter_client, tensorcell
side by side with Debian's ipykernel in the same run.

  start-up: process start -> first kernel_info_reply (jupyter_client's
            KernelManager.start_kernel, then kernel_info until a reply)
  round trip: execute_request of a trivial cell -> execute_reply, 500 times
            (after 20 warm-up cells), p50 and p99

Usage: /usr/bin/python3 bench/kernel/bench_kernel.py [--cells 500] [--starts 5]
Needs the tensorcell kernelspec on JUPYTER_PATH (bench/kernel/run.sh installs
it into a temporary prefix).
"""
import argparse
import statistics
import time

from jupyter_client.manager import KernelManager

CODE = {"tensorcell": "1 + 1", "python3": "1 + 1"}


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


def round_trips(kc, code, n):
    times = []
    for i in range(n + 20):
        t0 = time.perf_counter()
        msg_id = kc.execute(code)
        while True:
            reply = kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if i >= 20:
            times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.99 * len(times)) - 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=500)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    results = {}
    for name in ("tensorcell", "python3"):
        starts = []
        for _ in range(args.starts):
            km, kc, elapsed = start_time(name)
            starts.append(elapsed)
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        km, kc, _ = start_time(name)
        p50, p99 = round_trips(kc, CODE[name], args.cells)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        results[name] = (statistics.median(starts), p50, p99)
        print(f"{name:11s} start-up median {results[name][0]*1000:7.0f} ms (of {args.starts})   "
              f"round trip p50 {p50:6.2f} ms  p99 {p99:6.2f} ms  ({args.cells} cells)")
    t, p = results["tensorcell"], results["python3"]
    print(f"ratio tensorcell/ipykernel: start-up {t[0]/p[0]:.2f}x   p50 {t[1]/p[1]:.2f}x   p99 {t[2]/p[2]:.2f}x")


if __name__ == "__main__":
    main()
