"""Typed errors. The library raises these; ``cli.py`` maps each type to one line and an exit code.

Every error carries the structured fields a caller needs (which file, which repo) so that the
message can be rebuilt or translated without parsing strings.

An error or a finding that tells the user to set an option names it as ``{option.NAME}`` (or
``{option.NAME:VALUE}``), NAME being the keyword of the Python API (``layer_map``). The library
spells it as that keyword (``layer_map=``), which is what ``str(error)`` and a finding's
``message`` say; the command line spells it as its flag (``--layer-map``) through its one table,
``cli.FLAGS``, passed here as ``spell``.
"""

from __future__ import annotations

import re

_OPTION = re.compile(r"\{option\.(\w+)(?::(\{\w+\}|[^{}]*))?\}")

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    # ``spell(name, value)``: how an option is written; ``value`` is None when none is given.
    Spell = Callable[[str, "str | None"], str]


def keyword(name: str, value: str | None = None) -> str:
    """An option as the Python API's keyword argument.

    >>> keyword("layer_map"), keyword("use_cache", "False"), keyword("weights", "{option}")
    ('layer_map=', 'use_cache=False', 'weights="{option}"')
    """
    if value is None:
        return f"{name}="
    return f'{name}="{value}"' if value.startswith("{") else f"{name}={value}"


def spell_options(text: str, spell: Spell = keyword) -> str:
    """``text`` with each ``{option.NAME}`` written by ``spell``; any other brace is left alone.

    >>> spell_options("drop {option.revision}, or set {option.use_cache:False}")
    'drop revision=, or set use_cache=False'
    """
    return _OPTION.sub(lambda m: spell(m[1], m[2]), text)


class HubpruneError(Exception):
    """Base class: anything hubprune raises on purpose.

    ``hint`` is the "what to do" half of the one-line message. Both halves name options as the
    Python API's keywords; ``text(spell)`` names them another way (the command line's flags).
    """

    hint: str = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self._said = (message, self.hint if hint is None else hint)
        self.message, self.hint = (spell_options(part) for part in self._said)
        super().__init__(self.message)

    def text(self, spell: Spell = keyword) -> str:
        """The one-line message, each option it names spelled by ``spell``."""
        message, hint = (spell_options(part, spell) for part in self._said)
        return f"{message}: {hint}" if hint else message

    def __str__(self) -> str:
        return self.text()


class InputError(HubpruneError):
    """The input could not be read (exit code 3)."""


class PathNotFoundError(InputError):
    def __init__(self, path: str) -> None:
        super().__init__(
            f"{path} does not exist",
            hint="give a folder with safetensors files, a .safetensors file, or a Hub repo id like org/name",
        )
        self.path = path


class NoSafetensorsError(InputError):
    def __init__(self, where: str, pickles: list[str] | None = None) -> None:
        pickles = pickles or []
        if pickles:
            hint = (
                f"it only has pickle weights ({', '.join(pickles[:3])}); hubprune never unpickles: "
                "convert them to safetensors first"
            )
        else:
            hint = "point hubprune at a folder or repo that holds *.safetensors files"
        super().__init__(f"{where} has no safetensors files", hint=hint)
        self.where = where
        self.pickles = pickles


class HeaderError(InputError):
    """A safetensors header is malformed: names the file and what is wrong."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(
            f"{file}: {problem}",
            hint="the file is not a valid safetensors file; download it again or regenerate it",
        )
        self.file = file
        self.problem = problem


class ShardIndexError(InputError):
    """``model.safetensors.index.json`` is malformed or names files that are not there."""

    def __init__(self, file: str, problem: str, *, hint: str | None = None) -> None:
        super().__init__(
            f"{file}: {problem}",
            hint=hint or "the checkpoint is incomplete; download the missing files again",
        )
        self.file = file
        self.problem = problem


class UnsafeFileName(InputError):
    """A file name from the checkpoint (index, file listing) that is not a plain path inside it.

    Nothing is opened or requested for such a name.
    """

    def __init__(self, name: str, problem: str, *, source: str) -> None:
        super().__init__(
            f"{source} names {name}, which {problem}",
            hint="hubprune reads only files inside the model folder or repo; fix or regenerate the index",
        )
        self.name = name
        self.problem = problem
        self.source = source


class NotAFile(HeaderError):
    """A local path that cannot be read as a checkpoint file: a FIFO, a device, a link loop, a link
    leading outside the model folder. ``hint`` says what to do instead of downloading again."""

    def __init__(self, file: str, problem: str, *, hint: str) -> None:
        InputError.__init__(self, f"{file} {problem}", hint=hint)
        self.file = file
        self.problem = problem


class ConfigError(InputError):
    def __init__(self, file: str, problem: str) -> None:
        super().__init__(f"{file}: {problem}", hint="fix or remove config.json; shapes are read from the tensors")
        self.file = file
        self.problem = problem


class RemoteError(InputError):
    """A Hub read failed; ``repo`` and ``revision`` say which."""

    def __init__(self, message: str, *, hint: str, repo: str | None = None, revision: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.repo = repo
        self.revision = revision


class RepoNotFound(RemoteError):
    pass


class GatedRepo(RemoteError):
    pass


class RevisionNotFound(RemoteError):
    pass


class RemoteFileNotFound(RemoteError):
    pass


class NetworkError(RemoteError):
    pass


class OfflineCacheMiss(RemoteError):
    pass


class InvalidToken(RemoteError):
    """The Hub refused the token itself (401 "Invalid credentials"), whatever the repo."""


class AccessDenied(RemoteError):
    """403: the token is valid but lacks a permission the read needs."""


class RepoDisabled(RemoteError):
    """The repo exists but access to it was turned off."""


class RateLimited(RemoteError):
    """The Hub kept answering 429 beyond the time hubprune waits for it."""


class UsageError(HubpruneError):
    """The command line asks for something impossible (exit code 2)."""


class OutputError(UsageError):
    """``--output`` cannot be written there (exit code 2): the hint says where instead."""

    def __init__(self, path: str, problem: str, *, hint: str = "choose another output file") -> None:
        super().__init__(f"cannot write {path}: {problem}", hint=hint)
        self.path = path
        self.problem = problem


class CannotAlign(UsageError):
    """``compare`` cannot pair layers of the two models honestly without a layer map (exit code 2).

    ``hint`` is the advice of the locales (``advice.layer_map``), written there once."""

    def __init__(self, base_layers: int, pruned_layers: int, *, hint: str) -> None:
        super().__init__(
            f"the models have {base_layers} and {pruned_layers} decoder layers and nothing records which base layers survived",
            hint=hint,
        )
        self.base_layers = base_layers
        self.pruned_layers = pruned_layers
