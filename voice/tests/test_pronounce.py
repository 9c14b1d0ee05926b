"""Pronunciations: CMU dictionary, hand-written Indian units, letter-to-sound, espeak-ng."""

from __future__ import annotations

import shutil

import pytest

from voice.pronounce import PHONES, espeak_to_arpabet, letter_to_sound, pronunciations


def test_units_that_the_cmu_dictionary_lacks():
    assert pronunciations("lakh")[0] == "L AA K"
    assert pronunciations("crore")[0] == "K R OW R"


def test_dictionary_words_use_the_cmu_dictionary():
    assert pronunciations("rupees") == ["R UW P IY Z"]
    assert pronunciations("hundred")[0].startswith("HH AH N D R")


@pytest.mark.parametrize(
    ("word", "phones"),
    [
        ("priya", "P R IH Y AH"),
        ("neha", "N EH HH AH"),
        ("pooja", "P UW JH AH"),
        ("aarav", "AA R AH V"),
        ("shweta", "SH W EH T AH"),
        ("bhavna", "B AH V N AH"),
        ("singh", "S IH NG"),
        ("shah", "SH AA"),
        ("kaur", "K AW R"),
    ],
)
def test_letter_to_sound_for_indian_names(word, phones):
    assert letter_to_sound(word) == phones


def test_names_get_several_readings_all_in_the_phone_set():
    readings = pronunciations("anjali", name=True, use_espeak=False)
    assert readings[:2] == ["AH N JH AH L IY", "AA N JH AA L IY"]
    for word in ["harpreet", "venkatesh", "xyzzy", "okonkwo", "rahul"]:
        found = pronunciations(word, name=True)
        assert found and all(p in PHONES for phones in found for p in phones.split()), word
    # a name the CMU dictionary knows keeps its reading and gains the Indian ones
    assert pronunciations("rahul", name=True, use_espeak=False)[0] == "R AH HH UW L"
    assert len(pronunciations("rahul", name=True, use_espeak=False)) > 1


def test_espeak_phonemes_map_to_arpabet():
    assert espeak_to_arpabet("pr'Ij@") == "P R IH Y AH"
    assert espeak_to_arpabet("r'A:dZES") == "R AA JH EH SH"
    assert espeak_to_arpabet("k'3:r@n") == "K ER R AH N"


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng not installed")
def test_espeak_reading_is_offered_when_installed():
    assert "P R IH Y AH" in pronunciations("priya", name=True)


def test_the_committed_lexicon_covers_every_name_the_model_knows():
    from voice.corpus import default_names
    from voice.pronounce import lexicon

    words = {w for name in default_names() for w in name.split()}
    assert words <= set(lexicon())
    assert lexicon()["priya"] == "P R IH Y AH"


def test_pronunciation_sources():
    # no espeak-ng program: the lexicon still gives espeak's reading of a known name
    assert "K AE V IY AH" in pronunciations("kavya", name=True, use_espeak=False)
    # rules only: letter-to-sound readings alone
    assert pronunciations("kavya", name=True, use_espeak=False, use_lexicon=False) == ["K AH V Y AH", "K AA V Y AH"]
