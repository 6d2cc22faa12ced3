"""A deep model's input: series to standardised tensors, or to batches gathered on demand."""

from __future__ import annotations

import numpy as np
import torch

from tszoo.data.windows import WindowArray
from tszoo.models.base import ArrayLike3D, pad_series
from tszoo.models.deep.transforms import channel_stats, make_input_features
from tszoo.training import IndexedData, TensorData


class NetworkInputs:
    """How :class:`~tszoo.models.deep.base.DeepClassifier` turns series into network input:
    the features of ``inputs_`` (see :func:`make_input_features`), standardised per channel
    with statistics fitted on the training data (``input_mean_``, ``input_std_``), padding
    kept at zero. Reads ``inputs_`` and ``chunk_size``; sets ``n_timepoints_`` and the
    statistics in :meth:`_training_data`.
    """

    def _training_data(self, X: ArrayLike3D, y: np.ndarray) -> TensorData | IndexedData:
        """Fit the input standardisation on ``X`` and return the training data.

        Windows in a :class:`WindowArray` are never copied all at once: the statistics
        come from chunks of them and training gathers each batch from the recording. The
        statistics are computed over the same chunks either way, so both give the same
        network, bit for bit.
        """
        if isinstance(X, WindowArray):
            chunk = self.chunk_size
            full = np.full(chunk, X.shape[-1])

            def window_chunks():  # input features of chunk_size windows at a time
                for x in X.batches(chunk):
                    yield make_input_features(x, full[: len(x)], self.inputs_), full[: len(x)]

            self.n_timepoints_ = int(X.shape[-1])
            self.input_mean_, self.input_std_ = channel_stats(window_chunks)
            return self._data(X, y)
        features, lengths = self._input_features(X)

        def array_chunks():
            size = self.chunk_size
            for a in range(0, len(features), size):
                yield features[a : a + size], lengths[a : a + size]

        self.n_timepoints_ = int(features.shape[-1])
        self.input_mean_, self.input_std_ = channel_stats(array_chunks)
        return self._to_tensors(features, lengths, y)

    def _data(self, X: ArrayLike3D, y: np.ndarray | None = None) -> TensorData | IndexedData:
        """Standardised network input: gathered a batch at a time from a
        :class:`WindowArray`, else in-memory tensors."""
        if not isinstance(X, WindowArray):
            return self._tensor_data(X, y)
        full = np.full(len(X), X.shape[-1])

        def prepare(batch: np.ndarray) -> np.ndarray:
            lengths = full[: len(batch)]
            return self._standardise(make_input_features(batch, lengths, self.inputs_), lengths)

        labels = None if y is None else torch.as_tensor(y, dtype=torch.long)
        return IndexedData(X, prepare, labels)

    def _input_features(self, X: ArrayLike3D) -> tuple[np.ndarray, np.ndarray]:
        """Padded input features ``(n_cases, n_input_channels, n_timepoints)`` and lengths."""
        X_pad, lengths = pad_series(X)
        return make_input_features(X_pad, lengths, self.inputs_), lengths

    def _tensor_data(self, X: ArrayLike3D, y: np.ndarray | None = None) -> TensorData:
        if isinstance(X, WindowArray):
            X = np.asarray(X)
        return self._to_tensors(*self._input_features(X), y)

    def _to_tensors(
        self, features: np.ndarray, lengths: np.ndarray, y: np.ndarray | None = None
    ) -> TensorData:
        equal = bool((lengths == features.shape[-1]).all())
        return TensorData(
            torch.from_numpy(self._standardise(features, lengths)),
            None if equal else torch.as_tensor(lengths, dtype=torch.long),
            None if y is None else torch.as_tensor(y, dtype=torch.long),
        )

    def _standardise(self, features: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Standardise with the training split's statistics and keep the padding at zero."""
        mask = np.arange(features.shape[-1])[None, None, :] < lengths[:, None, None]
        features = (features - self.input_mean_[:, None]) / self.input_std_[:, None] * mask
        return np.ascontiguousarray(features, dtype=np.float32)
