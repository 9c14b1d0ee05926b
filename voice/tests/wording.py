"""Test helper: integers written out in Indian-English words (lakh / crore), independently of
the parser under test."""

from __future__ import annotations

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
        "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def below_hundred(n: int) -> str:
    if n < 20:
        return ONES[n]
    tens, ones = divmod(n, 10)
    return TENS[tens] + (f" {ONES[ones]}" if ones else "")


def indian_words(n: int, *, with_and: bool = False) -> str:
    """12345678 -> 'one crore twenty three lakh forty five thousand six hundred seventy eight'.

    `with_and` writes the British 'six hundred and seventy eight'. Valid up to 99,99,99,999.
    """
    if not 0 <= n <= 99_99_99_999:
        raise ValueError(n)
    if n == 0:
        return "zero"
    parts = []
    crore, rest = divmod(n, 10**7)
    lakh, rest = divmod(rest, 10**5)
    thousand, rest = divmod(rest, 1000)
    hundred, rest = divmod(rest, 100)
    if crore:
        parts.append(f"{below_hundred(crore)} crore")
    if lakh:
        parts.append(f"{below_hundred(lakh)} lakh")
    if thousand:
        parts.append(f"{below_hundred(thousand)} thousand")
    if hundred:
        parts.append(f"{ONES[hundred]} hundred")
    if rest:
        parts.append(("and " if with_and and parts else "") + below_hundred(rest))
    return " ".join(parts)


def indian_digits(n: int) -> str:
    """1234567 -> '12,34,567' (Indian digit grouping)."""
    text = str(n)
    if len(text) <= 3:
        return text
    head, tail = text[:-3], text[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    groups.insert(0, head)
    return ",".join(groups) + "," + tail
