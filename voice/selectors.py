"""Voice reads: who a spoken payee is, the caller's contacts, balance and history answers.

Exact identifiers (VPA, mobile number, username) resolve through payments' `payee_resolve`
against every customer; spoken names are only matched against the caller's own contacts
(people they have paid or been paid by), exactly first and then with rapidfuzz. Two close
candidates are returned as candidates, never guessed between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from accounts.identifiers import is_valid_username, normalize_username
from accounts.models import User
from ledger.exceptions import PayeeNotFound
from ledger.selectors import customer_payers_recent, transactions_for_user

if TYPE_CHECKING:
    from ledger.models import Transaction
from payments.selectors import payee_resolve, recent_payees
from voice.names import latin_name, name_key
from voice.parsing import PayeeRef

FUZZY_ACCEPT = 80.0  # best candidate must score at least this (0-100)
FUZZY_MARGIN = 8.0  # ...and beat the runner-up by more than this, or both are candidates
CONTACTS_LIMIT = 50


@dataclass(frozen=True)
class Contact:
    user_id: int
    display_name: str
    full_name: str
    username: str
    vpa: str

    def summary(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "display_name": self.display_name, "username": self.username, "vpa": self.vpa}


@dataclass(frozen=True)
class PayeeMatch:
    user: User | None = None
    matched_by: str | None = None  # vpa, phone, username, contact_name, fuzzy
    score: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any] | None:
        if self.user is None:
            return None
        return {
            "user_id": self.user.pk, "display_name": self.user.display_name, "username": self.user.username,
            "vpa": self.user.vpa, "matched_by": self.matched_by, "score": self.score,
        }


def _contact(user: User) -> Contact:
    return Contact(user_id=user.pk, display_name=user.display_name, full_name=user.full_name or "",
                   username=user.username, vpa=user.vpa)


def contacts_for_user(*, user: User, limit: int = CONTACTS_LIMIT) -> list[Contact]:
    """The caller's contacts, most recent first: people they paid (payments.recent_payees), then
    people who paid them (the ledger's customer payments: a deposit or a reversal is the bank's
    posting, not someone paying the caller)."""
    seen: dict[int, Contact] = {}
    for row in recent_payees(user=user, limit=limit):
        seen.setdefault(row["user_id"], Contact(
            user_id=row["user_id"], display_name=row["display_name"], full_name=row["full_name"] or "",
            username=row["username"], vpa=row["vpa"],
        ))
    if len(seen) < limit:
        payers = [row.user_id for row in customer_payers_recent(user=user, limit=limit) if row.user_id not in seen]
        payer_ids = payers[: limit - len(seen)]
        found = User.objects.in_bulk(payer_ids)
        for pk in payer_ids:
            seen[pk] = _contact(found[pk])
    return list(seen.values())


def contact_names(*, user: User, contacts: list[Contact] | None = None) -> list[str]:
    """Names to add to the recognizer's vocabulary for this caller, most recent contact first
    (`contacts`: the caller's, if already read)."""
    names: list[str] = []
    for contact in contacts if contacts is not None else contacts_for_user(user=user):
        name = (contact.full_name or contact.username).lower()  # one slot pair per contact
        if name not in names:
            names.append(name)
    return names


def _resolve_exact(query: str) -> User | None:
    try:
        return payee_resolve(query=query)
    except PayeeNotFound:
        return None


def _fuzzy_score(query: str, contact: Contact) -> float:
    """`query` is a name key (voice.names); contact names are compared by their keys too."""
    names = [name_key(contact.full_name), name_key(contact.display_name), name_key(contact.username)]
    scores = [fuzz.token_sort_ratio(query, n) for n in names if n]
    if " " not in query and contact.full_name:
        scores.append(fuzz.ratio(query, names[0].split()[0]))  # "rahul" ~ Rahul Sharma
    return round(max(scores, default=0.0), 1)


def payee_match(*, user: User, ref: PayeeRef, contacts: list[Contact] | None = None) -> PayeeMatch:
    """Resolve what the caller said to one customer, or to candidates, or to nothing
    (`contacts`: the caller's, if already read)."""
    if ref.kind in ("vpa", "phone"):
        found = _resolve_exact(ref.query)
        return PayeeMatch(user=found, matched_by=ref.kind, score=100.0) if found else PayeeMatch()

    # A name said in Devanagari ("राहुल") or spelled freely ("Raahul") is compared by its key.
    spoken = " ".join(latin_name(ref.query).split())
    query = name_key(spoken)
    if contacts is None:
        contacts = contacts_for_user(user=user)
    contacts = [c for c in contacts if c.user_id != user.pk]
    exact = [c for c in contacts if query in {name_key(c.full_name), name_key(c.display_name)}]
    if len(exact) == 1:
        return PayeeMatch(user=User.objects.get(pk=exact[0].user_id), matched_by="contact_name", score=100.0)
    if len(exact) > 1:
        return PayeeMatch(candidates=[{**c.summary(), "score": 100.0} for c in exact])

    # A single spoken or typed word may be a username (exact, any customer).
    username = normalize_username(spoken)
    by_username = _resolve_exact(username) if " " not in spoken and is_valid_username(username) else None
    scored = sorted(((c, _fuzzy_score(query, c)) for c in contacts), key=lambda pair: -pair[1])
    close = [(c, s) for c, s in scored if s >= FUZZY_ACCEPT]
    if by_username is not None:
        # A global username beats fuzzy contact matches only when no other contact competes.
        rivals = [(c, s) for c, s in close if c.user_id != by_username.pk]
        if not rivals:
            return PayeeMatch(user=by_username, matched_by="username", score=100.0)
        return PayeeMatch(candidates=[{**_contact(by_username).summary(), "score": 100.0},
                                      *[{**c.summary(), "score": s} for c, s in rivals[:4]]])
    if not close:
        return PayeeMatch()
    best, best_score = close[0]
    runners = [(c, s) for c, s in close[1:] if best_score - s <= FUZZY_MARGIN]
    if runners:
        return PayeeMatch(candidates=[{**c.summary(), "score": s} for c, s in [close[0], *runners][:5]])
    return PayeeMatch(user=User.objects.get(pk=best.user_id), matched_by="fuzzy", score=best_score)


def recent_transactions(*, user: User, count: int) -> list[Transaction]:
    """The caller's last `count` transactions (1-20), newest first, annotated from their side."""
    count = max(1, min(count, 20))
    return list(transactions_for_user(user=user).order_by("-created_at")[:count])


def voice_model_health() -> tuple[str, str]:
    """Health check: typed commands always work; spoken ones need the built model."""
    from voice.model import model_dir, voice_model_current

    model = voice_model_current()
    if model is None:
        return "degraded", f"no speech model in {model_dir()} (run manage.py build_voice_model); typed commands work"
    return "ok", f"speech model {model.build_id}"
