"""How a report is drawn, beside what it says: language, glyphs, width. Every renderer takes one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import keyword

if TYPE_CHECKING:
    from ..errors import Spell

# Glyphs and their ASCII stand-ins, for output that cannot encode them.
GLYPHS = {
    "arrow": ("\u2192", "->"),
    "full": ("\u2588", "#"),
    "rest": ("\u2591", "."),
}


@dataclass(frozen=True)
class Style:
    """``lang``: a language of ``hubprune.locales``; ``ascii``: no glyph outside ASCII;
    ``width``: the text report's line width in terminal cells; ``bom``: CSV starts with a UTF-8 BOM;
    ``section``: which table a CSV holds (None: the report's main one); ``spell``: how texts name an
    option (``errors.keyword``; the command line passes its flags).
    """

    lang: str = "en"
    ascii: bool = False
    width: int = 100
    bom: bool = False
    section: str | None = None
    spell: Spell = keyword

    def glyph(self, name: str) -> str:
        """``style.glyph("arrow")`` is ``→``, or ``->`` in ASCII."""
        fancy, plain = GLYPHS[name]
        return plain if self.ascii else fancy
