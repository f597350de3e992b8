"""Typed errors of the format parsers (all are input errors: exit code 3 at the command line)."""

from __future__ import annotations

from ..errors import InputError


class FormatError(InputError):
    """A checkpoint file breaks its format's rules or a cap; ``file`` and ``problem`` say how."""

    hint = "the file is damaged or not what its name says; download it again"

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}")
        self.file = file
        self.problem = problem


class PickleError(FormatError):
    """A pickle uses something the symbolic reader does not model, or is malformed."""

    hint = "hubprune reads pickles without running them and does not model this one; convert it to safetensors"


class ZipError(FormatError):
    """The zip container of a PyTorch checkpoint is malformed."""


class GGUFError(FormatError):
    """A GGUF header is malformed or exceeds a cap."""
