"""Writes full-size timm reference files for bench/models/full-parity.ts: for each
model name, timm's network at its default config (random weights, randomised
BatchNorm statistics), one default-size input and its eval-mode logits, as
<out>/<name>.safetensors (weights 17 MB to 355 MB, so they are not committed).

Run: TIMM=/path/to/pytorch-image-models TIMM_STUBS=/path/to/stubs \
  /usr/bin/python3 bench/models/timm_full_reference.py OUT_DIR inception_v4 inception_resnet_v2 spnasnet_100 nasnetalarge
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures", "timm"))
from timm_fixture import randomise, write  # noqa: E402
import timm  # noqa: E402

out, names = sys.argv[1], sys.argv[2:]
os.makedirs(out, exist_ok=True)
for name in names:
    model = randomise(timm.create_model(name))
    _, h, w = model.pretrained_cfg["input_size"]
    config = {"model": name, "numClasses": model.num_classes, "inputShape": [h, w, 3]}
    write(model, config, (h, w), os.path.join(out, f"{name}.safetensors"), batch=1)
