"""Class labels of the classifiers: which labels exist, and their codes."""

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets


class ClassifierTargetsMixin:
    """Learns ``classes_`` and turns labels into the codes the net trains on.

    Every label is checked against ``classes_``: a label outside them raises a
    ``ValueError`` that names it, never a wrong code.
    """

    def _fit_targets(self, y, classes=None, *, first, weights=None):
        """Codes of ``y``; on the first fit also learn ``classes_``.

        ``classes`` is ``partial_fit``'s: every label that will ever appear.
        After the first call it must be None or the same classes. The rows'
        ``weights`` do not change the codes.
        """
        check_classification_targets(y)
        if first:
            self._learn_classes(y if classes is None else classes)
        elif classes is not None:
            given = np.unique(np.asarray(classes))
            if not np.array_equal(given, self.classes_):
                raise ValueError(
                    f"classes={given.tolist()} differs from the classes of the first "
                    f"call to partial_fit ({self.classes_.tolist()}); the classes are "
                    "fixed once the model is fitted. Fit a new model for other classes."
                )
        return self._encode(y)

    def _learn_classes(self, labels):
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise ValueError(
                f"classes must be a 1-D array of labels, got shape {labels.shape}."
            )
        encoder = LabelEncoder().fit(labels)
        if len(encoder.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in y; "
                f"got 1 class ({encoder.classes_[0]!r})."
            )
        self.classes_ = encoder.classes_

    def _encode(self, y):
        """Indices of ``y`` in ``classes_``; raises on labels outside them."""
        y = np.asarray(y)
        try:
            codes = np.searchsorted(self.classes_, y)
        except TypeError as exc:
            raise ValueError(
                "y holds labels of another type than the classes of the model, "
                f"{self.classes_.tolist()}."
            ) from exc
        known = codes < len(self.classes_)
        known[known] = self.classes_[codes[known]] == y[known]
        if not known.all():
            unknown = np.unique(y[~known]).tolist()
            raise ValueError(
                f"y contains labels {unknown} that the model was not fitted on: "
                f"its classes are {self.classes_.tolist()} (partial_fit's classes "
                "must list every label on the first call)."
            )
        return codes.astype(np.int64)
