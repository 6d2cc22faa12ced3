"""Classic models: scikit-learn classifiers on window features."""
