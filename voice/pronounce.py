"""Pronunciations (ARPAbet, as the pocketsphinx US-English acoustic model expects) for any word.

1. The CMU dictionary shipped with pocketsphinx, for the words it knows (all its variants).
2. A few hand-written entries for words it lacks that every Indian payment uses (lakh, crore).
3. For names (most Indian names are missing: priya, neha, pooja, ...; the rest have American
   readings), letter-to-sound rules for romanized Indian names, with a second variant for the
   long/short "a" ambiguity, plus espeak-ng's reading: from the `espeak-ng` program when it is
   installed, else from `voice/lexicon.txt`, espeak-ng's readings of the model's own names,
   generated once with `lexicon_write()` and committed, so that a server without espeak-ng
   still has them for every name the model knows.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from pathlib import Path

from pocketsphinx import get_model_path

PHONES = set(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)
EXTRA = {
    "lakh": ["L AA K", "L AE K"],
    "lakhs": ["L AA K S", "L AE K S"],
    "lac": ["L AE K"],
    "crore": ["K R OW R", "K R AO R"],
    "crores": ["K R OW R Z", "K R AO R Z"],
    "securebank": ["S IH K Y UH R B AE NG K"],
    "paise": ["P AY S EY", "P AY S AH"],
    "upi": ["Y UW P IY AY"],
}
_WORD_RE = re.compile(r"^[a-z][a-z'-]*$")
LEXICON_PATH = Path(__file__).with_name("lexicon.txt")
_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def cmudict() -> dict[str, list[str]]:
    """word -> pronunciations, from the dictionary that ships with pocketsphinx (~134k words)."""
    entries: dict[str, list[str]] = {}
    path = Path(get_model_path("en-us/cmudict-en-us.dict"))
    with _lock, path.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = parts[0].split("(")[0]
            entries.setdefault(word, []).append(" ".join(parts[1:]))
    return entries


# --- Letter-to-sound for romanized Indian names ---------------------------------------------------
_LTS = [  # longest first; each grapheme -> phones (None: decided by position, see _letters)
    ("chh", "CH"), ("ksh", "K SH"), ("aa", "AA"), ("ee", "IY"), ("ii", "IY"), ("oo", "UW"), ("uu", "UW"),
    ("ai", "AY"), ("au", "AW"), ("ei", "EY"), ("ey", "EY"), ("ay", "EY"), ("sh", "SH"), ("ch", "CH"),
    ("th", "T"), ("dh", "D"), ("bh", "B"), ("gh", "G"), ("kh", "K"), ("ph", "F"), ("jh", "JH"),
    ("ck", "K"), ("qu", "K W"), ("tt", "T"), ("dd", "D"), ("kk", "K"), ("ll", "L"), ("nn", "N"), ("mm", "M"),
    ("pp", "P"), ("ss", "S"), ("rr", "R"), ("bb", "B"), ("gg", "G"), ("x", "K S"), ("q", "K"), ("j", "JH"),
    ("w", "W"), ("v", "V"), ("z", "Z"), ("b", "B"), ("d", "D"), ("f", "F"), ("k", "K"), ("l", "L"), ("m", "M"),
    ("n", "N"), ("p", "P"), ("r", "R"), ("s", "S"), ("t", "T"), ("g", "G"),
]
_VOWELS = set("aeiou")


def letter_to_sound(word: str, *, long_a: bool = False) -> str:
    """'priya' -> 'P R IH Y AH'; with long_a every non-final 'a' is AA ('aarav' style)."""
    word = re.sub(r"[^a-z]", "", word.lower())
    phones: list[str] = []
    i = 0
    while i < len(word):
        rest = word[i:]
        final = i == len(word) - 1
        ch = word[i]
        if ch in _VOWELS and not any(rest.startswith(g) for g in ("aa", "ee", "ii", "oo", "uu", "ai", "au", "ei", "ey", "ay")):
            phones.append({
                "a": "AH" if final or not long_a else "AA",
                "e": "EY" if final else "EH",
                "i": "IY" if final else "IH",
                "o": "OW",
                "u": "UW" if final else "UH",
            }[ch])
            i += 1
            continue
        if ch == "h":
            if final or (i > 0 and word[i - 1] in _VOWELS and word[i + 1] not in _VOWELS):
                if phones and phones[-1] == "AH":
                    phones[-1] = "AA"  # "shah", "rahman": a silent h lengthens the vowel
                i += 1
                continue
            phones.append("HH")
            i += 1
            continue
        if ch == "y":
            phones.append("IY" if final and i > 0 and word[i - 1] not in _VOWELS else "Y")
            i += 1
            continue
        if ch == "c":
            phones.append("S" if i + 1 < len(word) and word[i + 1] in "eiy" else "K")
            i += 1
            continue
        if rest.startswith("ng") and (len(rest) == 2 or rest[2] not in _VOWELS):
            phones.append("NG")
            i += 2
            continue
        for grapheme, sound in _LTS:
            if rest.startswith(grapheme):
                phones.extend(sound.split())
                i += len(grapheme)
                break
        else:
            i += 1
    return " ".join(phones)


# --- espeak-ng phonemes (optional) ----------------------------------------------------------------
_ESPEAK = sorted(
    {
        "@L": "AH L", "@2": "AH", "@5": "AH", "@": "AH", "3:": "ER", "3": "ER", "a#": "AH", "aI@": "AY ER",
        "aU@": "AW ER", "aI": "AY", "aU": "AW", "a": "AE", "A:": "AA", "A@": "AA R", "E": "EH", "e@": "EH R",
        "eI": "EY", "e": "EH", "i@3": "IH R", "i@": "IY AH", "i:": "IY", "i": "IY", "I2": "IH", "I#": "IH",
        "I;": "IY", "I": "IH", "0": "AA", "O:": "AO", "O@": "AO R", "o@": "AO R", "OI": "OY", "O": "AO",
        "oU": "OW", "o": "OW", "V": "AH", "U@": "UH R", "U": "UH", "u:": "UW", "u": "UW", "aa": "AA",
        "tS": "CH", "dZ": "JH", "t#": "T", "d#": "D", "n-": "N", "l-": "L", "r-": "R", "T": "TH", "D": "DH",
        "S": "SH", "Z": "ZH", "N": "NG", "j": "Y", "x": "K", "p": "P", "b": "B", "t": "T", "d": "D", "k": "K",
        "g": "G", "f": "F", "v": "V", "s": "S", "z": "Z", "h": "HH", "m": "M", "n": "N", "l": "L", "r": "R",
        "w": "W",
    }.items(),
    key=lambda item: -len(item[0]),
)


def espeak_to_arpabet(phonemes: str) -> str:
    out: list[str] = []
    i = 0
    text = phonemes.strip()
    while i < len(text):
        for symbol, sound in _ESPEAK:
            if text.startswith(symbol, i):
                out.extend(sound.split())
                i += len(symbol)
                break
        else:
            i += 1  # stress marks, syllable and length marks
    return " ".join(out)


@functools.lru_cache(maxsize=4096)
def espeak_pronunciation(word: str) -> str | None:
    """ARPAbet from espeak-ng's own reading of `word`, or None when espeak-ng is not installed."""
    exe = shutil.which("espeak-ng")
    if not exe or not _WORD_RE.match(word):
        return None
    try:
        # `word` is letters only (checked above), passed as one argument: no shell, no options.
        result = subprocess.run(  # noqa: S603
            [exe, "-q", "-x", "-v", "en-us", word], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    phones = espeak_to_arpabet(result.stdout)
    return phones or None


@functools.lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    """The committed espeak-ng readings (`voice/lexicon.txt`): word -> ARPAbet."""
    entries: dict[str, str] = {}
    if LEXICON_PATH.exists():
        for line in LEXICON_PATH.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                word, _, phones = line.partition(" ")
                entries[word] = phones.strip()
    return entries


def lexicon_write(words: list[str], *, path: Path = LEXICON_PATH) -> int:
    """Regenerate the lexicon from the espeak-ng program (a development step; needs espeak-ng)."""
    if not shutil.which("espeak-ng"):
        raise RuntimeError("espeak-ng is not installed")
    lines = ["# espeak-ng (en-us) readings of the voice model's names, as ARPAbet; see voice/pronounce.py"]
    for word in sorted(set(words)):
        phones = espeak_pronunciation(word)
        if phones and all(p in PHONES for p in phones.split()):
            lines.append(f"{word} {phones}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lexicon.cache_clear()
    return len(lines) - 1


def pronunciations(
    word: str, *, name: bool = False, use_espeak: bool = True, use_lexicon: bool = True, limit: int = 4
) -> list[str]:
    """Every pronunciation we offer for `word` (lower case), best first; never empty for a word
    with a letter. For names, the dictionary's (American) reading is joined by the
    letter-to-sound and espeak-ng readings, which are closer to how Indian names are said.
    `use_espeak`: ask the espeak-ng program (when installed); `use_lexicon`: else the committed
    lexicon. Both off: letter-to-sound rules only."""
    word = word.lower()
    if word in EXTRA:
        return EXTRA[word]
    known = cmudict().get(word, [])
    if known and not name:
        return known
    candidates = [*known, letter_to_sound(word), letter_to_sound(word, long_a=True)]
    spoken = espeak_pronunciation(word) if use_espeak else None
    if spoken is None and use_lexicon:
        spoken = lexicon().get(word)
    if spoken:
        candidates.append(spoken)
    out: list[str] = []
    for phones in candidates:
        if phones and phones not in out and all(p in PHONES for p in phones.split()):
            out.append(phones)
    return out[:limit]
