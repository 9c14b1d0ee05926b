"""Hindi and Hinglish vocabulary for the command lexer: both scripts, spelling variants folded.

Pure: no database, no settings. Owns three things:
- `fold(word)`: one key per word however it is spelled. Romanized Hindi has no standard spelling
  (paanch / panch, hazaar / hazar / hajar, chahiye / chahie / chaiye), so long vowels, doubled
  letters, w/v and z/j are folded; Devanagari loses the nukta (हज़ार = हजार) and chandrabindu
  becomes anusvara (माँगो = मांगो), because phones and browsers write both.
- Number words: every number from one to ninety-nine is its own word in Hindi (bees = 20,
  pachees = 25, ninyanve = 99), then sau (100), hazaar, lakh, crore, and the fractional words
  sava (×1.25), saade (+½), paune (−¼), dedh (1½), dhai (2½).
- `LEMMAS`: the grammar words (verbs, postpositions, question words) mapped to one romanized
  lemma each, which `voice.parsing` reads.
Language detection (`language_of`) decides whether the lexer reads Hindi at all, so a surname
such as "Das" in an English command is never taken for the number ten.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")
_DEVANAGARI_LETTER = re.compile(r"[\u0900-\u0963\u0971-\u097f]")
_LATIN_LETTER = re.compile(r"[a-z]")
_IDENTIFIER = re.compile(r"\S*@\S*")
_WORD = re.compile(r"[a-z]+|[\u0900-\u0963\u0971-\u097f]+")


@lru_cache(maxsize=8192)  # the same few hundred words come back in every command
def fold(word: str) -> str:
    """The lookup key of a (lower-case) word in either script."""
    if _DEVANAGARI_LETTER.search(word):
        return word.replace("\u093c", "").replace("\u0901", "\u0902").replace("\u200d", "").replace("\u200c", "")
    key = word.replace("ee", "i").replace("oo", "u").replace("w", "v").replace("z", "j").replace("q", "k")
    key = key.replace("ph", "f").replace("chh", "ch")
    key = re.sub(r"(.)\1+", r"\1", key)  # aa -> a, tt -> t, ss -> s
    if len(key) > 3 and key.endswith("h") and key[-2] in "aeiou":
        key = key[:-1]  # terah / tera, gyarah / gyara
    return key


def _table(rows: dict[object, str]) -> dict[str, object]:
    """{value: "variant variant ..."} -> {folded variant: value}."""
    out: dict[str, object] = {}
    for value, variants in rows.items():
        for variant in variants.split():
            out[fold(variant)] = value
    return out


# One to ninety-nine: common romanizations, then Devanagari (with the -नबे / -नवे pairs).
_NUMBER_ROWS: dict[object, str] = {
    0: "shunya sunya zero शून्य", 1: "ek एक", 2: "do दो", 3: "teen tin तीन", 4: "chaar char चार",
    5: "paanch panch panc पांच", 6: "chhah chhe che chah chheh छह छः छे", 7: "saat सात",
    8: "aath आठ", 9: "nau nou नौ", 10: "das dus दस", 11: "gyaarah gyarah gyara ग्यारह",
    12: "baarah barah bara बारह", 13: "terah tera तेरह", 14: "chaudah chaudha choudah चौदह",
    15: "pandrah pandra pundrah पंद्रह पन्द्रह", 16: "solah sola सोलह", 17: "satrah satra सत्रह",
    18: "athaarah atharah athara attharah अठारह", 19: "unnees unnis unees unis उन्नीस",
    20: "bees bis बीस", 21: "ikkees ikkis इक्कीस", 22: "baaees bais baees baais बाईस",
    23: "teyees teis teyis तेईस", 24: "chaubees chaubis choubees चौबीस",
    25: "pachchees pachees pachis pacchis पच्चीस", 26: "chhabbees chhabbis chabbis छब्बीस",
    27: "sattaees sattais sattaais सत्ताईस", 28: "atthaees atthais athais अट्ठाईस अठ्ठाईस",
    29: "untees untis unatees उनतीस", 30: "tees tis तीस", 31: "ikattees iktees ikattis iktis इकतीस इकत्तीस",
    32: "battees battis बत्तीस", 33: "taintees taintis tentis tetis तैंतीस", 34: "chauntees chautis chauntis चौंतीस",
    35: "paintees paintis pentis पैंतीस", 36: "chhattees chhattis chattis छत्तीस",
    37: "saintees saintis sentis सैंतीस", 38: "adtees artees adtis artis adatis अड़तीस",
    39: "untaalees untalis unchaalees unchalis उनतालीस", 40: "chaalees chalis chaalis चालीस",
    41: "iktaalees iktalis इकतालीस", 42: "bayaalees bayalis बयालीस", 43: "taintaalees taitalis tentalis तैंतालीस",
    44: "chavaalees chavalis chauvalis chawalis चवालीस चौवालीस", 45: "paintaalees paintalis pentalis पैंतालीस",
    46: "chhiyaalees chhiyalis chiyalis छियालीस", 47: "saintaalees saintalis sentalis सैंतालीस",
    48: "adtaalees artalis adtalis अड़तालीस", 49: "unchaas unchas उनचास", 50: "pachaas pachas पचास",
    51: "ikyaavan ikyavan इक्यावन", 52: "baavan bavan बावन", 53: "tirpan tirepan tirpann तिरपन तिरेपन",
    54: "chauvan chauwan चौवन", 55: "pachpan पचपन", 56: "chhappan chappan छप्पन",
    57: "sattaavan sattavan सत्तावन", 58: "atthaavan atthavan अट्ठावन", 59: "unsath unsaath उनसठ",
    60: "saath sath साठ", 61: "iksath iksaath इकसठ", 62: "baasath basath बासठ", 63: "tirsath tresath तिरसठ तिरेसठ",
    64: "chaunsath chausath चौंसठ", 65: "painsath pensath पैंसठ", 66: "chhiyaasath chhiyasath छियासठ",
    67: "sadsath sarsath सड़सठ", 68: "adsath arsath अड़सठ", 69: "unhattar unhatar उनहत्तर",
    70: "sattar सत्तर", 71: "ikhattar ikattar इकहत्तर", 72: "bahattar बहत्तर", 73: "tihattar तिहत्तर",
    74: "chauhattar चौहत्तर", 75: "pachhattar pachattar पचहत्तर", 76: "chhihattar chhiyattar छिहत्तर",
    77: "sathattar satattar सतहत्तर", 78: "athhattar athattar अठहत्तर", 79: "unaasi unasi उनासी उन्यासी",
    80: "assi assee अस्सी", 81: "ikyaasi ikyasi इक्यासी", 82: "bayaasi bayasi बयासी", 83: "tiraasi tirasi तिरासी",
    84: "chauraasi chaurasi चौरासी", 85: "pachaasi pachasi पचासी", 86: "chhiyaasi chhiyasi छियासी",
    87: "sataasi satasi sattasi सत्तासी", 88: "athaasi athasi atthasi अट्ठासी", 89: "navaasi navasi nawasi नवासी",
    90: "nabbe nabbey navve नब्बे", 91: "ikyaanve ikyanve इक्यानबे इक्यानवे", 92: "baanve banve बानबे बानवे",
    93: "tiraanve tiranve तिरानबे तिरानवे", 94: "chauraanve chauranve चौरानबे चौरानवे",
    95: "pachaanve pachanve पचानबे पचानवे पंचानबे पंचानवे", 96: "chhiyaanve chhiyanve छियानबे छियानवे",
    97: "sattaanve sattanve सत्तानबे सत्तानवे", 98: "atthaanve atthanve अट्ठानबे अट्ठानवे",
    99: "ninyaanve ninyanve ninanve निन्यानबे निन्यानवे",
}
NUMBERS: dict[str, int] = _table(_NUMBER_ROWS)  # type: ignore[assignment]
GIVE = {"do", "दो"}  # two, and the imperative "give": a number only beside a number
# Scales, as the English words the number reader (voice.numbers) already knows.
SCALES: dict[str, str] = _table({  # type: ignore[assignment]
    "hundred": "sau saw सौ", "thousand": "hazaar hazar hajar hajaar hazzar हज़ार हजार",
    "lakh": "lakh laakh लाख", "crore": "karod karor करोड़ करोड",
})
# Fractional words: (multiplier of what follows, amount added to it); dedh / dhai stand alone.
FRACTIONS: dict[str, tuple[Decimal, Decimal]] = {
    **dict.fromkeys(map(fold, "sava savaa sawa sawaa सवा".split()), (Decimal(1), Decimal("0.25"))),
    **dict.fromkeys(map(fold, "saade sade saadhe sadhe saare साढ़े साढे".split()), (Decimal(1), Decimal("0.5"))),
    **dict.fromkeys(map(fold, "paune pone paunay पौने".split()), (Decimal(1), Decimal("-0.25"))),
}
STANDALONE_FRACTIONS: dict[str, Decimal] = {
    **dict.fromkeys(map(fold, "dedh derh डेढ़ डेढ".split()), Decimal("1.5")),
    **dict.fromkeys(map(fold, "dhai dhaai dhaayi adhai adhaai ढाई अढ़ाई".split()), Decimal("2.5")),
}

# Grammar words -> one lemma each. English loan words written in Devanagari map to English.
LEMMAS: dict[str, str] = _table({  # type: ignore[assignment]
    "bhejo": "bhejo daalo dalo daal bhej bhejna bhejni bhejne bhejiye bhejie bhejdo bhejde bhejden bhejen bhijvao bhijwao "
             "भेजो भेज भेजना भेजनी भेजने भेजिए भेजिये भेजदो भेजदें भेजें भिजवाओ डालो डाल",
    "dedo": "dedo dedijiye dijiye dijie dena dedena दे दीजिए दीजिये देना देदो",
    "chukao": "chukao chuka chukana chukado चुकाओ चुका चुकाना",
    "karo": "karo kar karna karni karne kardo karde kijiye kijie kariye karein karen करो कर करना करनी करने करदो "
            "कीजिए कीजिये करिए करें",
    "maango": "maango mango maang maangna maangne maangiye maanglo mangao mangvao mangwao mangva mangwa mangvana "
              "mangwana मांगो मांग मांगना मांगने मांगिए मंगाओ मंगवाओ मंगवा मंगवाना",
    "chahiye": "chahiye chahie chaiye chahiyen chaahiye चाहिए चाहिये",
    "lena": "lena lene lelo लेना लेने लेलो",
    "ko": "ko को", "se": "se से", "par": "par पर", "ke": "ke के", "ka": "ka का", "ki": "ki की",
    "liye": "liye liya लिए लिये",
    "kitna": "kitna kitne kitni कितना कितने कितनी", "batao": "batao bataiye bataie bata batana बताओ बताइए बताइये बता बताना",
    "dikhao": "dikhao dikhaiye dikhaie dikha dikhana दिखाओ दिखाइए दिखाइये दिखा दिखाना",
    "khata": "khata khaate khate खाता खाते", "bakaya": "bakaya baaki baki बकाया बाकी शेष",
    "hai": "hai hain है हैं", "kya": "kya क्या", "mera": "mera meri mere mujhe mujhko मेरा मेरी मेरे मुझे मुझको",
    "paas": "paas पास", "mein": "mein main में", "aur": "aur और", "kaun": "kaun kon कौन",
    "paise": "paise paisa paison पैसे पैसा पैसों", "rakam": "rakam raqam रकम रक़म",
    "pichhle": "pichhle pichle pichhla pichhli पिछले पिछला पिछली",
    "aakhri": "aakhri akhri antim आखिरी आख़िरी अंतिम", "lenden": "lenden len-den लेनदेन",
    "kharcha": "kharcha kharch kharche खर्च खर्चा खर्चे", "kiya": "kiya kiye kiyi किया किए किये",
    "please": "kripya kripaya please plz pls कृपया प्लीज़ प्लीज", "jaldi": "jaldi zara jara abhi जल्दी ज़रा जरा अभी",
    "ji": "ji bhai bhaiya bhaiyya didi saab sahab sahib जी भाई भैया दीदी साहब",
    "rupees": "rupaye rupay rupaiye rupye rupaya rupaiya rupiya rupiye रुपये रुपए रूपये रुपया रुपयों रुपैया रु",
    "minus": "minus ऋण माइनस", "wala": "wala wale wali वाला वाले वाली", "hi": "hi ही", "bhi": "bhi भी",
    # English loan words as Devanagari writes them.
    "pay": "पे", "send": "सेंड सेन्ड", "transfer": "ट्रांसफर ट्रान्सफर ट्रांसफ़र", "payment": "पेमेंट पेमेन्ट",
    "request": "रिक्वेस्ट रिक्वेस्ट", "balance": "बैलेंस बैलन्स बेलेंस", "history": "हिस्ट्री",
    "statement": "स्टेटमेंट", "transaction": "ट्रांजैक्शन ट्रांज़ैक्शन ट्रांजेक्शन",
    "transactions": "ट्रांजैक्शंस ट्रांजैक्शन्स ट्रांजेक्शंस",
    "check": "चेक", "account": "अकाउंट", "last": "लास्ट",
})

# Words that on their own mark a command as Hindi. English and English-looking words are left
# out ("me", "he", "par", "do", "das", "char", "tin"...), and so are currency words, which
# English commands use too.
_NOT_MARKERS = {fold(w) for w in "do das char tin teen sat sath saath sola tera bara bis tis ath che nau hi "
                                  "par mein main kar ka ki ke bhi minus please plz pls ji".split()}
_ENGLISH_LOANS = {fold(w) for w in "pay send transfer payment request balance history statement transactions "
                                    "check account last rupees lakh saw shunya zero".split()}
MARKERS: frozenset[str] = frozenset(
    w for w in (*NUMBERS, *SCALES, *FRACTIONS, *STANDALONE_FRACTIONS, *LEMMAS)
    if w.isascii() and w not in _NOT_MARKERS and w not in _ENGLISH_LOANS and LEMMAS.get(w) not in {"rupees", "paise"}
)


def language_of(text: str) -> tuple[str, str]:
    """(language, script) of a lower-case command: ("hi" | "en", "devanagari" | "latin" | "mixed")."""
    has_devanagari = bool(_DEVANAGARI_LETTER.search(text))
    has_latin = bool(_LATIN_LETTER.search(_IDENTIFIER.sub(" ", text)))  # a VPA is not Latin-script speech
    script = "mixed" if has_devanagari and has_latin else "devanagari" if has_devanagari else "latin"
    if has_devanagari:
        return "hi", script
    if any(fold(word) in MARKERS for word in _WORD.findall(text)):
        return "hi", script
    return "en", script


def is_devanagari(text: str) -> bool:
    return bool(_DEVANAGARI_LETTER.search(text))
