"""fcnn-widget: see inside a small fully connected network, trained with JAX and optax.

>>> from fcnn_widget import FCNN, datasets
>>> model = FCNN([4], "relu", dataset="prod")
>>> model.widths
[2, 4, 1]
"""

from . import population_widget  # noqa: F401  (FCNNWidget(pop): it registers itself)
from ._jax_cache import enable_compilation_cache
from ._version import __version__
from .compare_widget import FCNNCompare
from .datasets import Dataset
from .model import FCNN, Trace
from .population import Population
from .training import History, TrainingBusy, TrainingDiverged
from .widget import FCNNWidget

enable_compilation_cache()

__all__ = [
    "FCNN",
    "FCNNCompare",
    "Dataset",
    "FCNNWidget",
    "History",
    "Population",
    "Trace",
    "TrainingBusy",
    "TrainingDiverged",
    "__version__",
    "enable_compilation_cache",
]
