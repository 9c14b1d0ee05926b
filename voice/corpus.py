"""A generated corpus of spoken payment commands, for the speech recognizer's language model.

Pure: `command_corpus(names=..., size=..., seed=...)` yields lower-case sentences the way
speech-to-text should write them (numbers as words, no punctuation). The language model learns
which words follow which in a payment command; the recognizer then prefers "pay rahul five
hundred" to acoustically similar nonsense. Names are a parameter so the caller's own payees can
join the vocabulary.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

# Common Indian given names and surnames (plus a few English ones the original used in examples).
FIRST_NAMES = """
aarav aarti abhay abhishek aditi aditya ajay akash akshay alok aman amar amit amitabh amol ananya
anand anil anita anjali ankit ankita anu anupam anuradha anushka aparna archana arjun arun aruna
arvind asha ashish ashok atul ayesha bharat bhavna chetan chirag deepa deepak deepika dev devendra
dhruv dinesh divya farhan gaurav geeta gopal gita hari harish harsh hema hemant imran ishaan jaya
jyoti kajal kamal karan kartik kavita kavya kiran krishna kunal lakshmi lata madhu mahesh manish
manoj meena meera mohan mohit mukesh nadia naveen neha nikhil nisha nitin pallavi pankaj parth
pooja prakash pranav prasad pratik praveen preeti priya priyanka rahul raj rajat rajesh rajiv
rakesh ramesh rani ravi rekha ritu rohan rohit sachin sagar sahil sameer sandeep sanjay sanjana
santosh sarita seema shalini shanti shivani shreya shweta siddharth simran sneha sonia sudha
sumit sunil sunita suresh swati tanvi tarun uday usha varun vijay vikas vikram vinay vinod vishal
yash yogesh zara alice bob john mary david sara
""".split()
SURNAMES = """
agarwal bhat bose chatterjee chopra das desai dutta gandhi ghosh gupta iyer jain joshi kapoor khan
kulkarni kumar malhotra mehta menon mishra nair pandey patel pillai rao reddy saxena sen shah
sharma shetty singh sinha srivastava thakur tiwari trivedi verma yadav
""".split()
NOTES = ["dinner", "rent", "lunch", "groceries", "the cab", "movie tickets", "electricity bill", "petrol", "books"]

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ROUND_AMOUNTS = [10, 20, 50, 100, 150, 200, 250, 300, 400, 500, 600, 750, 800, 900, 1000, 1200, 1500, 2000,
                 2500, 3000, 3500, 4000, 5000, 7500, 8000, 10000, 12000, 15000, 20000, 25000, 30000, 50000,
                 75000, 100000, 150000, 200000, 500000, 1000000, 2500000, 10000000, 20000000, 15000000]
DIGIT_WORDS = _ONES[:10]


def _below_hundred(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + (f" {_ONES[ones]}" if ones else "")


def spoken_number(n: int, rng: random.Random | None = None) -> str:
    """An integer as people say it in Indian English; with `rng`, one of the common variants
    ("twenty five hundred", "three hundred and fifty", "a hundred", "one and a half lakh")."""
    rng = rng or random.Random(0)
    variant = rng.random()
    if 1100 <= n <= 9900 and n % 100 == 0 and n % 1000 and variant < 0.4:
        return f"{_below_hundred(n // 100)} hundred"
    if n in (100, 1000, 100000) and variant < 0.3:
        return {100: "a hundred", 1000: "a thousand", 100000: "a lakh"}[n]
    if n % 100000 == 50000 and 100000 < n < 10000000 and variant < 0.3:
        return f"{_below_hundred(n // 100000)} and a half lakh"
    parts = []
    crore, rest = divmod(n, 10**7)
    lakh, rest = divmod(rest, 10**5)
    thousand, rest = divmod(rest, 1000)
    hundred, rest = divmod(rest, 100)
    for value, word in ((crore, "crore"), (lakh, "lakh"), (thousand, "thousand")):
        if value:
            parts.append(f"{_below_hundred(value)} {word}")
    if hundred:
        parts.append(f"{_ONES[hundred]} hundred")
    if rest:
        parts.append(("and " if parts and variant > 0.8 else "") + _below_hundred(rest))
    return " ".join(parts) or "zero"


def _amount(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.4:
        n = rng.choice(ROUND_AMOUNTS)
    elif roll < 0.7:  # two or three significant digits, as prices and bills go: 4800, 12500, 350
        n = rng.randint(10, 999) * 10 ** rng.randint(0, 3)
    else:
        n = int(10 ** rng.uniform(0, 6))
    words = spoken_number(max(n, 1), rng)
    roll = rng.random()
    if roll < 0.3:
        return f"{words} rupees"
    if roll < 0.4:
        return f"rupees {words}"
    return words


def _name(rng: random.Random, names: list[str]) -> str:
    return rng.choice(names)


PAY = [
    "pay {amount} to {name}", "pay {name} {amount}", "send {amount} to {name}", "send {name} {amount}",
    "transfer {amount} to {name}", "give {name} {amount}", "give {amount} to {name}", "{amount} to {name}",
    "please pay {name} {amount}", "can you send {amount} to {name}", "hey securebank pay {name} {amount}",
    "pay {amount} to {name} for {note}", "send {name} {amount} for {note}", "i want to pay {name} {amount}",
    "transfer {amount} to {name} please", "pay {name}", "send money to {name}", "pay {amount}",
    "send {amount} to {phone}", "pay {phone} {amount}",
]
REQUEST = [
    "request {amount} from {name}", "ask {name} for {amount}", "ask {name} to pay me {amount}",
    "collect {amount} from {name}", "request money from {name}", "please request {amount} from {name}",
]
BALANCE = [
    "what is my balance", "what's my balance", "check my balance", "show my balance", "balance",
    "how much money do i have", "check balance", "tell me my account balance", "what is my account balance",
]
HISTORY = [
    "show my last {count} transactions", "show my transaction history", "recent transactions",
    "show my last {count} payments", "transaction history", "last transaction", "show my payments",
]


def command_corpus(*, names: list[str], size: int = 20000, seed: int = 7) -> Iterator[str]:
    """`size` generated commands. `names` are full payee names ("rahul sharma", "priya")."""
    rng = random.Random(seed)
    for _ in range(size):
        roll = rng.random()
        if roll < 0.72:
            template = rng.choice(PAY)
        elif roll < 0.88:
            template = rng.choice(REQUEST)
        elif roll < 0.94:
            template = rng.choice(BALANCE)
        else:
            template = rng.choice(HISTORY)
        phone = " ".join(rng.choice(DIGIT_WORDS[6:]) if i == 0 else rng.choice(DIGIT_WORDS) for i in range(10))
        yield template.format(
            amount=_amount(rng), name=_name(rng, names), note=rng.choice(NOTES), phone=phone,
            count=spoken_number(rng.choice([3, 5, 5, 10, 10, 20])),
        )


def default_names(*, seed: int = 11, full_names: int = 600) -> list[str]:
    """Given names alone, plus `full_names` given-name + surname pairs."""
    rng = random.Random(seed)
    pairs = {f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}" for _ in range(full_names)}
    return FIRST_NAMES + sorted(pairs) + SURNAMES
