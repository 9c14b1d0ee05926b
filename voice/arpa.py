"""A trigram language model in ARPA format, written from a corpus by our own code.

Interpolated Kneser-Ney (Chen & Goodman 1998), one discount per order D = n1 / (n1 + 2 n2).
Interpolated KN has an exact backoff form: for a seen n-gram the ARPA probability is the
interpolated one, and the backoff weight of a context is the mass its discount set aside,
gamma(h) = D * N1+(h .) / c(h). So the file below is what pocketsphinx's ARPA reader expects
and gives the same probabilities as the interpolated model (a test sums them to one).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

BOS, EOS = "<s>", "</s>"


@dataclass
class TrigramModel:
    vocab: list[str]  # without <s>
    p1: dict[str, float]
    p2: dict[tuple[str, str], float]
    p3: dict[tuple[str, str, str], float]
    bo1: dict[str, float]
    bo2: dict[tuple[str, str], float]

    def prob(self, word: str, history: tuple[str, ...] = ()) -> float:
        """P(word | history) through the backoff structure (as a decoder reads the ARPA file)."""
        history = history[-2:]
        if len(history) == 2:
            if (*history, word) in self.p3:
                return self.p3[(*history, word)]
            return self.bo2.get(history, 1.0) * self.prob(word, history[1:])
        if len(history) == 1:
            if (history[0], word) in self.p2:
                return self.p2[(history[0], word)]
            return self.bo1.get(history[0], 1.0) * self.p1.get(word, 0.0)
        return self.p1.get(word, 0.0)


def _discount(counts: Iterable[int]) -> float:
    histogram = Counter(c for c in counts if c <= 2)
    n1, n2 = histogram[1], histogram[2]
    if n1 == 0 or n2 == 0:
        return 0.5
    return min(max(n1 / (n1 + 2 * n2), 0.1), 0.9)


def trigram_model(sentences: Iterable[list[str]]) -> TrigramModel:
    c3: Counter[tuple[str, str, str]] = Counter()
    start2: Counter[tuple[str, str]] = Counter()  # <s> w: no left context, raw counts
    for words in sentences:
        padded = [BOS, *words, EOS]
        start2[(BOS, padded[1])] += 1
        for i in range(len(padded) - 2):
            c3[(padded[i], padded[i + 1], padded[i + 2])] += 1

    # Lower orders use continuation counts: in how many distinct contexts a word sequence appears.
    cc2: Counter[tuple[str, str]] = Counter()
    for (_, v, w) in c3:
        cc2[(v, w)] += 1
    for pair, count in start2.items():
        cc2[pair] = count
    cc1: Counter[str] = Counter()
    for (_, w) in cc2:
        cc1[w] += 1
    vocab = sorted(cc1)
    d1, d2, d3 = _discount(cc1.values()), _discount(cc2.values()), _discount(c3.values())

    total1 = sum(cc1.values())
    p1 = {w: (cc1[w] - d1) / total1 + (d1 * len(cc1) / total1) / len(vocab) for w in vocab}

    def interpolated(counts: dict, order_discount: float, lower: Any) -> tuple[dict, dict]:
        by_context: dict[tuple, list[tuple[str, int]]] = defaultdict(list)
        for gram, count in counts.items():
            by_context[gram[:-1]].append((gram[-1], count))
        probs, backoffs = {}, {}
        for context, followers in by_context.items():
            total = sum(count for _, count in followers)
            gamma = order_discount * len(followers) / total
            backoffs[context] = gamma
            for word, count in followers:
                probs[(*context, word)] = max(count - order_discount, 0) / total + gamma * lower(word, context)
        return probs, backoffs

    p2, bo1_raw = interpolated(cc2, d2, lambda w, ctx: p1[w])
    bo1 = {ctx[0]: gamma for ctx, gamma in bo1_raw.items()}

    def p2_full(word: str, context: tuple[str, ...]) -> float:
        v = context[-1]
        return p2.get((v, word), bo1.get(v, 1.0) * p1[word])

    p3, bo2 = interpolated(c3, d3, p2_full)
    return TrigramModel(vocab=vocab, p1=p1, p2=p2, p3=p3, bo1=bo1, bo2=bo2)


def _log(p: float) -> str:
    return f"{math.log10(p):.6f}" if p > 0 else "-99.000000"


def arpa_text(model: TrigramModel) -> str:
    lines = ["\\data\\", f"ngram 1={len(model.vocab) + 1}", f"ngram 2={len(model.p2)}", f"ngram 3={len(model.p3)}", ""]
    lines.append("\\1-grams:")
    lines.append(f"-99.000000\t{BOS}\t{_log(model.bo1.get(BOS, 1.0))}")
    for word in model.vocab:
        if word in model.bo1:
            lines.append(f"{_log(model.p1[word])}\t{word}\t{_log(model.bo1[word])}")
        else:
            lines.append(f"{_log(model.p1[word])}\t{word}")
    lines += ["", "\\2-grams:"]
    for (v, w), p in sorted(model.p2.items()):
        if (v, w) in model.bo2:
            lines.append(f"{_log(p)}\t{v} {w}\t{_log(model.bo2[(v, w)])}")
        else:
            lines.append(f"{_log(p)}\t{v} {w}")
    lines += ["", "\\3-grams:"]
    for (u, v, w), p in sorted(model.p3.items()):
        lines.append(f"{_log(p)}\t{u} {v} {w}")
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)
