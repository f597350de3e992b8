"""Every user-visible string, one module per language, looked up with ``t(key, lang, **args)``.

``LANGS`` is the set of language modules in this package (``en.py``, ``zh.py``, ...): adding a
language is adding one file with the keys of ``en.py``. The one fallback rule: a key a language
lacks is shown in English; a key English lacks is a bug (``KeyError``).

Two conventions keep the tables data rather than code:

* a finding's text is ``finding.<code>`` or, when its args name a variant, ``finding.<code>.<variant>``;
* a placeholder named after a ``fragment.<name>`` entry (``{and_more}``) is that fragment, filled
  with the same args, when the arg of that name is truthy, and nothing otherwise.
* a ``<key>.one`` entry, where English has one, is used when the ``count`` arg is 1, so that one
  layer reads "layer 23 differs", not "1 of 32 layers differ (layers 23; ...)".
* ``{advice.<name>}`` is the ``advice.<name>`` entry of the same language, so advice that several
  texts give is written once;
* ``{option.<keyword>}`` names an option (``errors.spell_options``): by its Python keyword unless
  the caller passes another ``spell`` (the command line passes its flags).

This package imports nothing of hubprune but the model's types, so every layer may use it.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
import re

from ..errors import keyword, spell_options

# typing.TYPE_CHECKING without importing typing at run time (type checkers read it as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from ..errors import Spell
    from ..model import Finding

DEFAULT = "en"
# English first, then the others by name: the order of ``--lang`` choices.
# The package's own files, listed with os rather than pkgutil: a library call would otherwise
# import pkgutil and importlib.util for this one listing.
LANGS: tuple[str, ...] = tuple(
    sorted(
        {name[:-3] for name in os.listdir(os.path.dirname(__file__)) if name.endswith(".py") and not name.startswith("_")},
        key=lambda n: (n != DEFAULT, n),
    )
)


@cache
def _module(lang: str) -> Any:
    if lang not in LANGS:
        raise KeyError(f"no language {lang!r}; known: {', '.join(LANGS)}")
    return importlib.import_module(f"{__name__}.{lang}")


def strings(lang: str) -> dict[str, str]:
    """The whole table of ``lang`` (for tests and tools; reports use ``t``)."""
    return _module(lang).STRINGS


def t(key: str, lang: str, /, *, spell: Spell = keyword, **args: Any) -> str:
    """The string ``key`` in ``lang`` filled with ``args`` (English when ``lang`` lacks the key),
    each option it names written by ``spell``.

    >>> t("label.total_params", "zh"), t("finding.no_index", "en", files=2)[:28]
    ('总参数量', '2 safetensors files but no m')
    """
    if args.get("count") == 1 and f"{key}.one" in strings(DEFAULT):
        key = f"{key}.one"
    template = spell_options(said(key, lang), spell)
    values = dict(args)
    for name, value in args.items():
        fragment = f"fragment.{name}"
        if fragment in strings(DEFAULT):
            values[name] = _template(fragment, lang).format(**args) if value else ""
    return template.format(**values)


def _template(key: str, lang: str) -> str:
    template = strings(lang).get(key)
    return strings(DEFAULT)[key] if template is None else template


_ADVICE = re.compile(r"\{advice\.(\w+)\}")


def said(key: str, lang: str = DEFAULT) -> str:
    """The template ``key`` with its advice put in and its ``{option.*}`` names still unspelled:
    the form an error keeps as its hint, so that each edge spells the options its own way."""
    return _ADVICE.sub(lambda m: _template(f"advice.{m[1]}", lang), _template(key, lang))


def finding_key(code: str, args: dict[str, Any] | None) -> str:
    """``finding.<code>.<variant>`` when the args name a variant, else ``finding.<code>``.

    >>> finding_key("vocab_changed", {"variant": "added"}), finding_key("no_config", None)
    ('finding.vocab_changed.added', 'finding.no_config')
    """
    variant = (args or {}).get("variant")
    return f"finding.{code}.{variant}" if variant else f"finding.{code}"


def finding_text(item: Finding, lang: str, spell: Spell = keyword) -> str:
    """What ``item`` says in ``lang``, filled from its args, each option it names written by ``spell``.

    A finding whose code has no text here (built by hand, or by another program) says its stored
    message: for a finding, that message is the English.
    """
    key = finding_key(item.code, item.args)
    if item.args is None or key not in strings(DEFAULT):
        return item.message
    return t(key, lang, spell=spell, **item.args)


def for_locale(value: str) -> str:
    """The language of a POSIX locale name (``zh_CN.UTF-8``), English when none is shipped for it.

    A language file may list regions or scripts it does not serve (``NOT_FOR``): Simplified
    Chinese is not offered by default to Traditional-Chinese locales.

    >>> for_locale("zh_CN.UTF-8"), for_locale("zh_TW.UTF-8"), for_locale("zh_Hant_HK"), for_locale("C")
    ('zh', 'en', 'en', 'en')
    """
    name = value.split(".")[0].split("@")[0].replace("-", "_")
    lang, *rest = name.split("_")
    lang = lang.lower()
    if lang not in LANGS:
        return DEFAULT
    not_for = {part.lower() for part in getattr(_module(lang), "NOT_FOR", ())}
    return DEFAULT if any(part.lower() in not_for for part in rest) else lang
