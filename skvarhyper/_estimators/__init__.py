"""The estimators: one base (:mod:`.base`), what a hypernetwork adds
(:mod:`.hypernetwork`), and the task parts with the public classes
(:mod:`.classifier`, :mod:`.regressor`). Imports ``_training``, ``nn`` and
``_utils``; the path functions and the CV estimators build on it."""
