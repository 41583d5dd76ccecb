"""Reference for bench/data-loading.ts: MNIST idx parsing with numpy and one
shuffled DataLoader epoch (batch 64) with PyTorch. Prints JSON."""
import json
import os
import sys
import time

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
data_dir = sys.argv[1]

start = time.perf_counter()
with open(os.path.join(data_dir, "train-images-idx3-ubyte"), "rb") as f:
    raw = f.read()
images = torch.from_numpy(np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 28, 28, 1).astype(np.float32) / 255)
with open(os.path.join(data_dir, "train-labels-idx1-ubyte"), "rb") as f:
    labels = torch.from_numpy(np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64))
parse_s = time.perf_counter() - start

loader = DataLoader(TensorDataset(images, labels), batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(0))
start = time.perf_counter()
for xb, yb in loader:
    pass
epoch_s = time.perf_counter() - start
print(json.dumps({"parse_s": parse_s, "epoch_s": epoch_s, "torch": torch.__version__}))
