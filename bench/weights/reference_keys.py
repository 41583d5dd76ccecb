"""Writes the full-size state-dict keys and shapes of each second-wave family's
reference (timm for inception_v4, inception_resnet_v2, spnasnet_100,
tnt_s_patch16_224, halonet26t; the authors' code for HorNet, IBN-Net and
UniRepLKNet) as JSON, for bench/weights/full-size-keys.ts to compare with
models.save(model, "x.safetensors")'s keys. Random weights; nothing downloaded.

PYTHONPATH=<stubs>:<timm checkout> HORNET=<HorNet checkout> IBN_NET=<IBN-Net checkout> \
UNIREPLKNET=<UniRepLKNet checkout> /usr/bin/python3 bench/weights/reference_keys.py /tmp/reference-keys.json
"""
import contextlib
import io
import json
import os
import sys

for var in ("HORNET", "IBN_NET", "UNIREPLKNET"):
    sys.path.insert(0, os.environ[var])
import timm  # noqa: E402


def shapes(model):
    return {key: list(value.shape) for key, value in model.state_dict().items()}


out = {name: shapes(timm.create_model(name)) for name in ["inception_v4", "inception_resnet_v2", "spnasnet_100", "tnt_s_patch16_224", "halonet26t"]}
import hornet  # noqa: E402
from ibnnet import resnet_ibn  # noqa: E402

with contextlib.redirect_stdout(io.StringIO()):  # the references print as they build
    out["hornet_tiny_7x7"] = shapes(hornet.hornet_tiny_7x7())
    out["hornet_small_7x7"] = shapes(hornet.hornet_small_7x7())
    for name in ["resnet18_ibn_a", "resnet50_ibn_a", "resnet50_ibn_b"]:
        out[name] = shapes(getattr(resnet_ibn, name)())
    import unireplknet  # noqa: E402
    for name in ["unireplknet_a", "unireplknet_t"]:
        out[name] = shapes(getattr(unireplknet, name)())
with open(sys.argv[1], "w") as f:
    json.dump(out, f)
