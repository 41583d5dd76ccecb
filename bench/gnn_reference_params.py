"""Recounts the GNN reference parameter counts (lib/models/{gcn,graphsage,gat,gin,appnp,dagnn}.ts
referenceParams) with PyTorch modules laid out as PyTorch Geometric's layers hold their weights.
PyG itself is not installed here, so each layer is rebuilt from its parameters:
  GCNConv: lin (no bias) + bias; SAGEConv: lin_l (bias) + lin_r (no bias);
  GATConv: lin (no bias) + att_src [1,H,C] + att_dst [1,H,C] + bias; GINConv: its nn;
  APPNP: none; DAGNN Prop: proj Linear(C, 1).
Run: /usr/bin/python3 bench/gnn_reference_params.py
"""
import torch
from torch import nn


def count(module):
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


class GCNConv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o, bias=False)
        self.bias = nn.Parameter(torch.zeros(o))


class SAGEConv(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin_l = nn.Linear(i, o)
        self.lin_r = nn.Linear(i, o, bias=False)


class GATConv(nn.Module):
    def __init__(self, i, o, heads, concat=True):
        super().__init__()
        self.lin = nn.Linear(i, heads * o, bias=False)
        self.att_src = nn.Parameter(torch.zeros(1, heads, o))
        self.att_dst = nn.Parameter(torch.zeros(1, heads, o))
        self.bias = nn.Parameter(torch.zeros(heads * o if concat else o))


def gin_mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, o))


F, C = 1433, 7
models = {
    "gcn": nn.ModuleList([GCNConv(F, 16), GCNConv(16, C)]),
    "graphsage": nn.ModuleList([SAGEConv(F, 64), SAGEConv(64, C)]),
    "gat": nn.ModuleList([GATConv(F, 8, 8), GATConv(64, C, 1, concat=False)]),
    "gin": nn.ModuleList([gin_mlp(F, 64, 64), gin_mlp(64, 64, C)]),
    "appnp": nn.ModuleList([nn.Linear(F, 64), nn.Linear(64, C)]),
    "dagnn": nn.ModuleList([nn.Linear(F, 64), nn.Linear(64, C), nn.Linear(C, 1)]),
    # examples/mutag_gin.py: 7 features, 2 classes, dim 32, five GINConv + BatchNorm1d, fc1, fc2.
    "gin_graph": nn.ModuleList(
        [gin_mlp(7, 32, 32)] + [gin_mlp(32, 32, 32) for _ in range(4)]
        + [nn.BatchNorm1d(32) for _ in range(5)] + [nn.Linear(32, 32), nn.Linear(32, 2)]
    ),
}
for name, module in models.items():
    print(f"{name:10s} {count(module):>8,d}")
