from __future__ import annotations


class ValidationFailed(Exception):
    """Bad input: ``errors`` maps each field name to its messages. Nothing was changed."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {field: [str(m) for m in msgs] for field, msgs in errors.items()}
        super().__init__("; ".join(f"{f}: {', '.join(m)}" for f, m in self.errors.items()))
