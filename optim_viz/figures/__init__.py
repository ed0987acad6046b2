"""Figure builders, one module per page (named after the page's file in ``pages/``), and ``style``, what they share.

Each builder takes arrays or library results and returns a read-only figure; none computes a course formula.
"""
from . import (
    arena,
    batch_norm,
    ewma,
    gradient_check,
    hyperparameter_search,
    initialization,
    lr_decay,
    mini_batch,
    normalization,
    regularization,
    softmax,
    style,
)

__all__ = ["arena", "batch_norm", "ewma", "gradient_check", "hyperparameter_search", "initialization", "lr_decay",
           "mini_batch", "normalization", "regularization", "softmax", "style"]
