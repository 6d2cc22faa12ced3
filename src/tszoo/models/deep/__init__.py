"""Deep classifiers: networks (``networks/``) apart from their thin estimator classes."""

from tszoo.models.deep.base import DeepClassifier

__all__ = ["DeepClassifier"]
