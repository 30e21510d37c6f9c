"""Models from elsewhere as :class:`~fcnn_widget.FCNN`: recognised by duck typing, without
importing the library they come from.

>>> from fcnn_widget import FCNN
>>> m = FCNN([3], dataset="prod")
>>> as_fcnn(m) is m
True
"""

from __future__ import annotations

from .model import FCNN


def as_fcnn(model, *, activation: str | None = None, samples=None) -> FCNN:
    """``model`` itself if it is an :class:`FCNN`; other kinds follow (see the issue on
    bring-your-own models)."""
    if isinstance(model, FCNN):
        if activation is not None and activation != model.activation:
            raise ValueError(
                f"activation={activation!r} disagrees with the model's own {model.activation!r}; "
                "leave it out for an FCNN"
            )
        return model
    raise TypeError(f"FCNNWidget shows an FCNN model, got {type(model).__name__}")
