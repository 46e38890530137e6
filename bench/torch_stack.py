"""The autoencoder halves both PyTorch scripts of bench/ build: Linear layers with ReLU between them
(none after the last), as src/nn/autoencoder.ts builds ours."""
import torch


def stack(dims):
    layers = []
    for i, (a, b) in enumerate(zip(dims, dims[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)
