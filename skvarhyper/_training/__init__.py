"""The training loop: skorch nets, their configuration from an estimator's
parameters, callbacks and mini-batches. Imports ``nn`` and ``_utils``, never
the estimators."""
