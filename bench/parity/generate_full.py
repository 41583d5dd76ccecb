"""Full-size parity check inputs (not committed: 50-200 MB of weights): the
reference model of a tensorcell variant at its default configuration, random
weights and BatchNorm statistics, one input at the default size and its logits.
Read by bench/parity/full-size.ts, which loads the weights with
models.create(name, { pretrained }) (lib/weights), as the parity tests do.

  PYTHONPATH=<stubs>:<timm checkout> /usr/bin/python3 bench/parity/generate_full.py NAME OUT_DIR [HORNET_REPO]

NAME: tnt_s_patch16_224, halonet26t (timm), hornet_tiny_7x7, hornet_small_7x7 (hornet.py from HORNET_REPO).
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts", "fixtures"))
from safetensors_io import save_file  # noqa: E402

name, out = sys.argv[1], sys.argv[2]
if name.startswith("hornet"):
    sys.path.insert(0, sys.argv[3])
    import hornet
    model, side = getattr(hornet, name)(), 224
else:
    import timm
    model = timm.create_model(name)
    side = model.pretrained_cfg["input_size"][1]
model.eval()
torch.manual_seed(0)
with torch.no_grad():
    for key, p in model.named_parameters():
        if p.dim() == 1:
            p.copy_(1 + 0.2 * torch.randn_like(p) if key.endswith("weight") else 0.2 * torch.randn_like(p))
        else:
            p.copy_(torch.randn_like(p) * p[0].numel() ** -0.5)
    for key, b in model.named_buffers():
        if key.endswith("running_mean"):
            b.copy_(0.2 * torch.randn_like(b))
        elif key.endswith("running_var"):
            b.copy_(0.5 + torch.rand_like(b))
    images = torch.randn(1, 3, side, side)
    logits = model(images)
os.makedirs(out, exist_ok=True)
save_file({k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}, os.path.join(out, "weights.safetensors"))
save_file({"input": images.permute(0, 2, 3, 1).contiguous(), "logits": logits}, os.path.join(out, "case.safetensors"))
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump({"model": name, "inputShape": [side, side, 3], "numClasses": 1000, "options": {}}, f)
print(name, "params", sum(p.numel() for p in model.parameters()), "logits", logits[0, :3].tolist())
