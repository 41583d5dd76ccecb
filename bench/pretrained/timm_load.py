"""Loads tensorcell-saved .safetensors files into timm the documented way,
timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=path))
(strict load_state_dict; custom_load=False because a few tags default to
timm's .npz reader), and prints the relative error of timm's logits
against tensorcell's. Arguments: pairs of <model name> <dir> where dir holds
model.safetensors and io.safetensors (input NHWC, logits).
Run with timm's source on PYTHONPATH (see timm-roundtrip.ts)."""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "fixtures"))
from safetensors_io import load_file  # noqa: E402

import safetensors.torch  # noqa: E402  (the stub in the reference checkout; replaced by the torch-only reader)

safetensors.torch.load_file = lambda path, device="cpu": load_file(path)
import timm  # noqa: E402
import timm.models._helpers as helpers  # noqa: E402

helpers._has_safetensors = True
helpers.safetensors = safetensors

args = sys.argv[1:]
for name, folder in zip(args[::2], args[1::2]):
    model = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=os.path.join(folder, "model.safetensors"), custom_load=False)).eval()
    io = load_file(os.path.join(folder, "io.safetensors"))
    with torch.no_grad():
        logits = model(io["input"].permute(0, 3, 1, 2).contiguous())
    expected = io["logits"]
    error = ((logits - expected).abs().max() / expected.abs().max()).item()
    print(f"{name}: timm strict load ok, {sum(v.numel() for v in model.state_dict().values())} values, relative error of logits {error:.2e}", flush=True)
