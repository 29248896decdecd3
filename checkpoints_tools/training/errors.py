"""The errors of a fine-tuning run that the binary reports in one line."""


class FinetuneConfigError(ValueError):
    """A setting, dataset or directory that cannot work as given (a user error)."""


class TrainingDivergedError(RuntimeError):
    """The loss became non-finite; the last good checkpoint is kept."""
