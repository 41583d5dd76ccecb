"""Runs another PyTorch reference script unchanged (bench/vit/torch_vit.py, bench/gnn/torch_gcn.py)
and adds what bench/train needs from it: the CPU time of each interval the script times, and
optionally inference timed on the script's own model.

The reference scripts time themselves with time.perf_counter() pairs and print wall-clock figures
only. Rather than copy them, this wrapper replaces time.perf_counter while the script runs: each
call made from the script's own file also records time.process_time(), and consecutive calls are
paired into intervals (start, end). After the script's own output it prints one JSON line:
{"intervals": [{"wall": s, "cpu": s}, ...], "infer": {...}}.

Usage: /usr/bin/python3 bench/train/torch_timed.py [--infer MODEL_GLOBAL INPUT_GLOBAL STEPS] SCRIPT ARGS...
--infer: after the script ends, put its global MODEL_GLOBAL in eval mode and time STEPS forward
passes on its global INPUT_GLOBAL under torch.no_grad (one warm-up pass first).
"""
import json
import os
import runpy
import sys
import time

args = sys.argv[1:]
infer = None
if args[:1] == ["--infer"]:
    infer = (args[1], args[2], int(args[3]))
    args = args[4:]
script = os.path.abspath(args[0])

real_perf_counter = time.perf_counter
marks = []


def recording_perf_counter():
    # Only the script's own timing calls are recorded; torch or the stdlib may call perf_counter too.
    if sys._getframe(1).f_code.co_filename == script:
        marks.append((real_perf_counter(), time.process_time()))
    return real_perf_counter()


time.perf_counter = recording_perf_counter
sys.argv = args
try:
    script_globals = runpy.run_path(script, run_name="__main__")
finally:
    time.perf_counter = real_perf_counter
sys.stdout.flush()

intervals = [
    {"wall": end[0] - start[0], "cpu": end[1] - start[1]}
    for start, end in zip(marks[0::2], marks[1::2])
]
result = {"intervals": intervals}
if infer is not None:
    import torch

    model_name, input_name, steps = infer
    model, inputs = script_globals[model_name], script_globals[input_name]
    model.eval()
    with torch.no_grad():
        model(inputs)
        wall0, cpu0 = real_perf_counter(), time.process_time()
        for _ in range(steps):
            model(inputs).sum().item()
        result["infer"] = {"steps": steps, "wall": real_perf_counter() - wall0, "cpu": time.process_time() - cpu0}
print(json.dumps(result))
