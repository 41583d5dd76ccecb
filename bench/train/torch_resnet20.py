"""PyTorch reference for bench/train/models.ts: ResNet-20 for CIFAR (He et al. 2016, section 4.2;
option-A shortcuts as in akamaster/pytorch_resnet_cifar10: stride-2 subsampling and zero channel
padding), 269,722 parameters, the layout tensorcell's models.create("resnet20") follows.
SGD with momentum 0.9, lr 0.1, on random 32x32x3 images; one thread (or TORCH_THREADS).

Usage: /usr/bin/python3 bench/train/torch_resnet20.py BATCH TRAIN_STEPS INFER_STEPS
Prints one JSON line: params, and img/s for training and inference by wall clock and by this
process's CPU time (time.process_time), as bench/train/torch_cnn.py does.
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class CifarBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = (planes - cin) // 2 if stride != 1 or cin != planes else None

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        shortcut = x if self.pad is None else F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))
        return F.relu(y + shortcut)


class ResNet20(nn.Module):
    def __init__(self, n=3, widths=(16, 32, 64), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        blocks, cin = [], widths[0]
        for stage, planes in enumerate(widths):
            for i in range(n):
                blocks.append(CifarBlock(cin, planes, 2 if stage > 0 and i == 0 else 1))
                cin = planes
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(widths[-1], classes)

    def forward(self, x):
        return self.fc(self.blocks(F.relu(self.bn1(self.conv1(x)))).mean((2, 3)))


def timed(steps, step):
    """Runs step() `steps` times; returns (wall seconds, CPU seconds)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for _ in range(steps):
        step()
    return time.perf_counter() - wall0, time.process_time() - cpu0


def main():
    batch, train_steps, infer_steps = (int(a) for a in sys.argv[1:4])
    threads = int(os.environ.get("TORCH_THREADS", "1"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = ResNet20()
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()

    def train_step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    for _ in range(2):
        train_step()
    train_wall, train_cpu = timed(train_steps, train_step)
    model.eval()
    with torch.no_grad():
        model(x)
        infer_wall, infer_cpu = timed(infer_steps, lambda: model(x).sum().item())
    print(json.dumps({
        "torch": torch.__version__, "threads": threads, "params": params, "batch": batch,
        "train_img_s": batch * train_steps / train_wall, "train_cpu_img_s": batch * train_steps / train_cpu,
        "infer_img_s": batch * infer_steps / infer_wall, "infer_cpu_img_s": batch * infer_steps / infer_cpu,
    }))


main()
