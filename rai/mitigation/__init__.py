"""Fairness mitigation with fairlearn: post-processing and reductions, with the trade-off measured.

::

    from rai.mitigation import mitigate
    result = mitigate(train, test, spec=spec, model=model, method="threshold", constraint="demographic_parity")
    result.model.predict(test)          # the mitigated classifier, over the original columns
    result.tradeoff.chosen.ratio        # its disparity ratio over the judged test groups

``rai mitigate`` (``mitigate_files``) also saves the model with skops, and assesses the original
and the mitigated model on the test data, so the gate can compare them.
"""

from __future__ import annotations

from rai.mitigation._estimators import MixtureClassifier, SampleWeightRouter, ThresholdClassifier
from rai.mitigation._fit import CONSTRAINTS, METHODS, constraint_metric
from rai.mitigation._mitigate import Mitigation, mitigate
from rai.mitigation._run import DEFAULT_ANALYZERS, MitigationRun, mitigate_files, save_mitigated
from rai.mitigation._tradeoff import TRADEOFF_FORMAT, Tradeoff, TradeoffPoint, load_tradeoff, pareto_front

__all__ = [
    "CONSTRAINTS",
    "DEFAULT_ANALYZERS",
    "METHODS",
    "TRADEOFF_FORMAT",
    "Mitigation",
    "MitigationRun",
    "MixtureClassifier",
    "SampleWeightRouter",
    "ThresholdClassifier",
    "Tradeoff",
    "TradeoffPoint",
    "constraint_metric",
    "load_tradeoff",
    "mitigate",
    "mitigate_files",
    "pareto_front",
    "save_mitigated",
]
