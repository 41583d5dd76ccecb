"""PyTorch reference for bench/gnn/train.ts: the same two-layer GCN (dropout 0.5, GCNConv with
symmetric normalisation and self loops, hidden 16, Adam lr 0.01, L2 5e-4 on every parameter,
full batch) on the graph that train.ts writes as JSON, written with index_add_ as PyG's
scatter-add does. One thread (or TORCH_THREADS). Prints one JSON line: ms per epoch, test accuracy per epoch.

Usage: /usr/bin/python3 bench/gnn/torch_gcn.py GRAPH.json EPOCHS
"""
import json
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
torch.manual_seed(0)
graph = json.load(open(sys.argv[1]))
epochs = int(sys.argv[2])
N, C = graph["numNodes"], graph["numClasses"]
x = torch.zeros(N, graph["numFeatures"])
for u, words in enumerate(graph["words"]):
    x[u, words] = 1.0
y = torch.tensor(graph["y"])
train, test = torch.tensor(graph["train"]), torch.tensor(graph["test"])
src = torch.tensor(graph["source"] + list(range(N)))
dst = torch.tensor(graph["target"] + list(range(N)))
deg = torch.zeros(N).index_add_(0, dst, torch.ones(len(dst)))
norm = deg.pow(-0.5)[src] * deg.pow(-0.5)[dst]


class GCNConv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o, bias=False)
        nn.init.xavier_uniform_(self.lin.weight)
        self.bias = nn.Parameter(torch.zeros(o))

    def forward(self, h):
        h = self.lin(h)
        return torch.zeros(N, h.shape[1]).index_add_(0, dst, h[src] * norm[:, None]) + self.bias


class GCN(nn.Module):
    def __init__(self, i, hidden, o):
        super().__init__()
        self.conv1, self.conv2 = GCNConv(i, hidden), GCNConv(hidden, o)

    def forward(self, h):
        h = F.dropout(h, 0.5, self.training)
        h = F.relu(self.conv1(h))
        h = F.dropout(h, 0.5, self.training)
        return self.conv2(h)


model = GCN(graph["numFeatures"], 16, C)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
test_acc, start = [], time.perf_counter()
for epoch in range(epochs):
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x)[train], y[train])
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        test_acc.append(float((model(x)[test].argmax(-1) == y[test]).float().mean()))
elapsed = time.perf_counter() - start
print(json.dumps({"msPerEpoch": 1000 * elapsed / epochs, "testAcc": test_acc}))
