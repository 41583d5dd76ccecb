"""PyTorch reference for bench/train: the mnist-node CNN (594,922 parameters),
RMSprop, batch 64, one thread (or TORCH_THREADS). Prints one JSON line:
{"torch": version, "threads": n, "train_img_s": x, "infer_img_s": y, "params": p}."""
import json, os, sys, time
import torch
import torch.nn as nn

threads = int(os.environ.get("TORCH_THREADS", "1"))
torch.set_num_threads(threads)
torch.manual_seed(0)
batch = int(sys.argv[1]) if len(sys.argv) > 1 else 64
train_steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
infer_steps = int(sys.argv[3]) if len(sys.argv) > 3 else 30

model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(),
    nn.Conv2d(32, 32, 3), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(),
    nn.Conv2d(64, 64, 3), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.Flatten(), nn.Dropout(0.25),
    nn.Linear(1024, 512), nn.ReLU(), nn.Dropout(0.5),
    nn.Linear(512, 10),
)
params = sum(p.numel() for p in model.parameters())
opt = torch.optim.RMSprop(model.parameters(), lr=0.001)
loss_fn = nn.CrossEntropyLoss()
x = torch.randn(batch, 1, 28, 28)
y = torch.randint(0, 10, (batch,))

def train_step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()
    return loss.item()

for _ in range(3):
    train_step()
start, cpu0 = time.perf_counter(), time.process_time()
for _ in range(train_steps):
    train_step()
train_s, train_cpu = time.perf_counter() - start, time.process_time() - cpu0

model.eval()
with torch.no_grad():
    for _ in range(3):
        model(x)
    start, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(infer_steps):
        model(x).sum().item()
    infer_s, infer_cpu = time.perf_counter() - start, time.process_time() - cpu0

print(json.dumps({
    "torch": torch.__version__, "threads": threads, "params": params, "batch": batch,
    "train_img_s": batch * train_steps / train_s, "train_cpu_img_s": batch * train_steps / train_cpu,
    "infer_img_s": batch * infer_steps / infer_s, "infer_cpu_img_s": batch * infer_steps / infer_cpu,
}))
