"""Spoken names across scripts: a Devanagari name in Latin letters, and one key per spelling.

Pure, no database. A Hindi recognizer writes "राहुल", a person types "Raahul", the contact is
"Rahul Sharma": `latin_name` transliterates Devanagari with indic-transliteration (ISO-style
IAST, then diacritics dropped and the final inherent vowel deleted, as Hindi speech does:
राहुल -> "rahul", not "rahula"), and `name_key` folds the spelling variants of romanized Hindi
names (long vowels written double, w/v, z/j, ph/f, doubled consonants) so that the existing
contact matching in `voice.selectors` compares like with like.
"""

from __future__ import annotations

import re
import unicodedata

from indic_transliteration import sanscript

_DEVANAGARI = re.compile(r"[\u0900-\u097f]+")
_CONSONANT_END = re.compile(r"[\u0915-\u0939\u0958-\u095f]\u093c?$")  # no vowel sign, no virama
# IAST letters whose plain-ASCII form would mislead: ś/ṣ are "sh", ṅ/ñ/ṃ nasals are "n".
_IAST_ASCII = str.maketrans({"ś": "sh", "ṣ": "sh", "ṅ": "n", "ñ": "n", "ṃ": "n", "ṁ": "n", "ṛ": "ri"})


def _word_to_latin(word: str) -> str:
    latin = sanscript.transliterate(word, sanscript.DEVANAGARI, sanscript.IAST).translate(_IAST_ASCII)
    latin = "".join(ch for ch in unicodedata.normalize("NFD", latin) if not unicodedata.combining(ch))
    if _CONSONANT_END.search(word) and latin.endswith("a") and len(latin) > 2:
        latin = latin[:-1]  # schwa deletion: राहुल = rāhula -> rahul
    return latin.lower()


def latin_name(name: str) -> str:
    """'राहुल शर्मा' -> 'rahul sharma'; Latin text is returned lower-cased and unchanged."""
    return _DEVANAGARI.sub(lambda match: _word_to_latin(match.group(0)), name).lower()


def name_key(name: str) -> str:
    """One key for the spellings of a name: 'Raahul' / 'rahul', 'Pooja' / 'Puja', 'Zara' / 'Jara'."""
    key = latin_name(name)
    key = key.replace("ee", "i").replace("oo", "u").replace("w", "v").replace("z", "j").replace("ph", "f")
    return re.sub(r"([a-z])\1+", r"\1", key)
