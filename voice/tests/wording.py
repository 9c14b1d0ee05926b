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


# Hindi numerals 1-99, written out here independently of voice.hindi (a second, plain spelling
# of each, as a dictionary gives them), romanized and in Devanagari.
HINDI_ROMAN = """
ek do teen chaar paanch chhah saat aath nau das gyaarah baarah terah chaudah pandrah solah satrah athaarah
unnees bees ikkees baaees teis chaubees pachchees chhabbees sattaees atthaees untees tees ikattees battees
taintees chauntees paintees chhattees saintees adtees untaalees chaalees iktaalees bayaalees taintaalees
chavaalees paintaalees chhiyaalees saintaalees adtaalees unchaas pachaas ikyaavan baavan tirpan chauvan
pachpan chhappan sattaavan atthaavan unsath saath iksath baasath tirsath chaunsath painsath chhiyaasath
sadsath adsath unhattar sattar ikhattar bahattar tihattar chauhattar pachhattar chhihattar sathattar
athhattar unaasi assi ikyaasi bayaasi tiraasi chauraasi pachaasi chhiyaasi sataasi athaasi navaasi nabbe
ikyaanve baanve tiraanve chauraanve pachaanve chhiyaanve sattaanve atthaanve ninyaanve
""".split()
HINDI_DEVANAGARI = """
एक दो तीन चार पांच छह सात आठ नौ दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस बीस इक्कीस बाईस
तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस
उनतालीस चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास पचास इक्यावन बावन
तिरपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर
सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उनासी अस्सी इक्यासी बयासी तिरासी
चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी नब्बे इक्यानवे बानवे तिरानवे चौरानवे पचानवे छियानवे सत्तानवे
अट्ठानवे निन्यानवे
""".split()
HINDI_SCALES = {
    "latin": {"sau": "sau", "thousand": "hazaar", "lakh": "lakh", "crore": "crore"},
    "devanagari": {"sau": "सौ", "thousand": "हज़ार", "lakh": "लाख", "crore": "करोड़"},
}
assert len(HINDI_ROMAN) == len(HINDI_DEVANAGARI) == 99


def hindi_words(n: int, *, script: str = "latin") -> str:
    """12345678 -> 'ek crore teis lakh paintaalees hazaar chhah sau athhattar'. 1..99,99,99,999."""
    if not 1 <= n <= 99_99_99_999:
        raise ValueError(n)
    words = HINDI_ROMAN if script == "latin" else HINDI_DEVANAGARI
    scale = HINDI_SCALES[script]
    parts = []
    crore, rest = divmod(n, 10**7)
    lakh, rest = divmod(rest, 10**5)
    thousand, rest = divmod(rest, 1000)
    hundred, rest = divmod(rest, 100)
    for value, word in ((crore, scale["crore"]), (lakh, scale["lakh"]), (thousand, scale["thousand"])):
        if value:
            parts.append(f"{words[value - 1]} {word}")
    if hundred:
        parts.append(f"{words[hundred - 1]} {scale['sau']}")
    if rest:
        parts.append(words[rest - 1])
    return " ".join(parts)
