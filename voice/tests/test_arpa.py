"""The trigram language model writer: proper probabilities, and pocketsphinx reads the file."""

from __future__ import annotations

import math

from voice.arpa import BOS, EOS, arpa_text, trigram_model

SENTENCES = [s.split() for s in [
    "pay rahul five hundred", "pay priya five hundred", "send five hundred to rahul", "pay rahul two thousand",
    "request five hundred from priya", "what is my balance", "pay priya", "send two thousand to amit",
]]


def test_every_context_is_a_probability_distribution():
    model = trigram_model(SENTENCES)
    contexts = [(), ("pay",), ("to",), (BOS, "pay"), ("pay", "rahul"), ("five", "hundred"), ("is", "my"),
                ("unseen", "context"), ("amit", "pay")]
    for history in contexts:
        total = sum(model.prob(word, history) for word in model.vocab)
        assert math.isclose(total, 1.0, abs_tol=1e-9), (history, total)


def test_seen_continuations_beat_unseen_ones():
    model = trigram_model(SENTENCES)
    assert model.prob("hundred", ("pay", "five")) > model.prob("balance", ("pay", "five"))
    assert model.prob("rahul", (BOS, "pay")) > model.prob("amit", (BOS, "pay")) > 0
    assert BOS not in model.vocab and EOS in model.vocab


def test_arpa_text_loads_in_pocketsphinx(tmp_path):
    from pocketsphinx import NGramModel

    text = arpa_text(trigram_model(SENTENCES))
    assert text.startswith("\\data\\") and text.rstrip().endswith("\\end\\")
    path = tmp_path / "tiny.arpa"
    path.write_text(text)
    lm = NGramModel.readfile(str(path))
    assert lm.size() == 3
    # Same probabilities as our model (pocketsphinx works in its own log base; compare ratios).
    model = trigram_model(SENTENCES)
    ours = math.log(model.prob("hundred", ("pay", "five"))) - math.log(model.prob("to", ("pay", "five")))
    theirs_a = lm.prob(["hundred", "five", "pay"])
    theirs_b = lm.prob(["to", "five", "pay"])
    assert (ours > 0) == (theirs_a > theirs_b)
