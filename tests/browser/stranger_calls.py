"""What a stranger sends: for each registered handler, the payloads a script would try.

No payload; practice A's ids in every parameter that names a record (ids are sequential, so
a stranger counts up from 1), the other parameters at the value that gets the call furthest;
every wrong type in every parameter; forms with every field wrong at once; and chains that
tamper with a tab's state before acting on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

HUGE = "Zz0 " * 25_000  # 100 KB. Spaces keep the log masking linear (its own test covers that)
SURROGATE = "\ud800 x"  # a lone surrogate: valid JSON, not encodable as UTF-8
WRONG: list[tuple[str, Any]] = [
    ("str", "abc"),
    ("dict", {"x": 1}),
    ("list", [1, "2"]),
    ("huge", HUGE),
    ("surrogate", SURROGATE),
    ("null", None),
    ("bool", True),
    ("negative", -1),
    ("bigint", 2**64),
    ("float", 1.5),
]
# every field name a form handler reads today; each gets the same wrong type in one payload
FORM_KEYS = [
    *("name", "email", "password", "password_repeat", "practice_name", "current", "new"),
    *("new_repeat", "date_from", "date_to", "kind", "user", "day", "start", "duration"),
    *("treatment", "practitioner", "request_id", "status", "resolution", "immediately"),
    *("product_emails", "usage_statistics", "new_email", "email_password", "phone"),
    *("urgency", "note", "consent", "wave_size", "wave_interval", "quiet_start", "quiet_end"),
    *("min_notice", "max_offers", "sender", "role", "id", "patient_id", "slot_id", "user_id"),
]


@dataclass
class PracticeA:
    """Practice A's ids, which the calls guess, and its data, which no answer may carry."""

    practice_id: int
    user_ids: list[int]
    patient_ids: list[int]
    slot_ids: list[int]
    treatment_id: int
    practitioner_id: int
    request_ids: list[int]
    slot_day: str
    words: list[str]  # names, e-mail addresses, texts: searched case-insensitively
    phones: set[str]  # national significant numbers (612345678), found in any notation
    counts: list[re.Pattern[str]]  # A's waitlist size, as pages would show it


@dataclass(frozen=True)
class Call:
    identity: str
    event: str
    payload: Any
    label: str  # how the report names the payload

    @property
    def handler(self) -> str:
        """`slots_state.reload`: short, and unique in this app."""
        state, _, handler = self.event.rpartition(".")
        return f"{state.rpartition('____')[2]}.{handler}"


def _forms(a: PracticeA) -> list[tuple[str, dict[str, Any]]]:
    """Forms that name A's records, each shaped for the handlers that read such fields."""
    return [
        (
            "form(A's request)",
            {"request_id": a.request_ids[0], "status": "done", "resolution": "x"},
        ),
        (
            "form(slot with A's treatment)",
            {
                "day": a.slot_day,
                "start": "10:35",
                "duration": "30",
                "treatment": str(a.treatment_id),
                "practitioner": str(a.practitioner_id),
            },
        ),
        ("form(audit of A's user)", {"user": str(a.user_ids[0]), "kind": "", "date_from": ""}),
        (
            "form(patient with A's treatment)",
            {
                "name": "Stranger Probe",
                "phone": "+31687654321",
                "duration": "30",
                f"treatment-{a.treatment_id}": "on",
                "cell-0": "on",
                "practitioner": str(a.practitioner_id),
                "consent": "balie",
                "urgency": "normaal",
                "status": "waiting",
            },
        ),
        (
            "form(A's ids)",
            {
                "practice_id": a.practice_id,
                "patient_id": a.patient_ids[0],
                "slot_id": a.slot_ids[0],
                "user_id": a.user_ids[1],
                "id": a.patient_ids[0],
            },
        ),
    ]


def _guesses(param: str, a: PracticeA, practice_ids: list[int]) -> list[tuple[str, Any]]:
    """Values of A a stranger would try for a parameter of this name (ids count up from 1)."""
    ids = {
        "practice_id": practice_ids,
        "slot_id": a.slot_ids,
        "patient_id": a.patient_ids[:3],
        "user_id": a.user_ids,
        "treatment_id": [a.treatment_id],
        "practitioner_id": [a.practitioner_id],
        "request_id": a.request_ids,
    }
    if param in ids:
        return [(f"A's {param}={i}", v) for i in ids[param] for v in (i, str(i))]
    if param == "form":
        return _forms(a)
    if param == "vars":  # forged client storage, naming a state that does not exist
        return [("A's id as client storage", {"x.y": a.practice_id})]
    return []


PLAUSIBLE: dict[str, Any] = {
    "reason": "gaat_niet_door",
    "role": "owner",
    "active": False,
    "duration": "45",
    "name": "treatment",
    "page": 2,
    "info": "stranger",
    "component_stack": "",
    "vars": {},
    "hashes": [],
    "files": [],
    "form": {},
    "var_name": "error",
}


def _plausible(param: str, a: PracticeA) -> Any:
    """The value that gets a call furthest: A's id where the parameter names a record."""
    if param == "value":
        return str(a.treatment_id)  # set_filter(name="treatment", value=<A's treatment>)
    guesses = _guesses(param, a, [a.practice_id])
    if guesses and param != "form":
        return guesses[0][1]
    return PLAUSIBLE.get(param, "1")


def calls_for(
    handler: dict[str, Any], identity: str, a: PracticeA, practice_ids: list[int]
) -> list[Call]:
    """No payload; A's ids in each parameter (the others at their most useful); each wrong type
    in each parameter; for forms, every field wrong at once."""
    event, params = handler["event"], [p["name"] for p in handler["params"]]
    calls = [Call(identity, event, {}, "no payload")]

    def with_(name: str, value: Any) -> dict[str, Any]:
        return {**{p: _plausible(p, a) for p in params}, name: value}

    if handler["handler"] == "setvar":
        # setvar(v, x) calls set_v(x): every var that has a setter, and one that has none
        setters = {n.removeprefix("set_") for n in handler["siblings"]}
        for var in handler["vars"][:1] + [v for v in handler["vars"][1:] if v in setters]:
            for label, value in [("A's practice id", a.practice_id), *WRONG[:2]]:
                calls.append(
                    Call(identity, event, {"var_name": var, "value": value}, f"{var}={label}")
                )
        for var in ["nope", *handler["backend_vars"]]:
            calls.append(Call(identity, event, {"var_name": var, "value": 1}, f"{var}=1"))
        for label, value in WRONG:
            if not isinstance(value, str) or label in ("huge", "surrogate"):
                calls.append(
                    Call(identity, event, {"var_name": value, "value": 1}, f"var_name={label}")
                )
        return calls
    for name in params:
        for label, value in _guesses(name, a, practice_ids):
            calls.append(Call(identity, event, with_(name, value), label))
        if name == "value":  # set_search and the like
            calls.append(Call(identity, event, with_(name, "Quakkelaar"), "search for A's name"))
        for label, value in WRONG:
            calls.append(Call(identity, event, with_(name, value), f"{name}={label}"))
        if name == "form":
            for label, value in WRONG:
                if label not in ("str", "bool", "float", "negative"):
                    if label == "huge":  # 20 KB each: the whole frame stays under the 1 MB the
                        value = value[:20_000]  # server accepts (a bigger one drops the socket)
                    fields = {k: value for k in FORM_KEYS}
                    calls.append(Call(identity, event, with_(name, fields), f"form fields={label}"))
    if len(params) > 1:  # every parameter at A's value at once
        calls.append(Call(identity, event, {p: _plausible(p, a) for p in params}, "all A's"))
    return calls


def chains(identity: str, names: dict[str, str], a: PracticeA) -> list[list[Call]]:
    """Tamper first, then act, on one tab: a handler that trusts its own state is only as safe
    as the handler that set it."""
    waitlist = names["WaitlistState"]
    slots = names["SlotsState"]
    form = dict(_forms(a))["form(patient with A's treatment)"]
    return [
        [
            Call(identity, f"{waitlist}.open_edit", {"patient_id": str(a.patient_ids[0])}, "A's"),
            Call(identity, f"{waitlist}.save", {"form": form}, "after open_edit(A's patient)"),
        ],
        [
            Call(
                identity,
                f"{slots}.preview",
                {"form": dict(_forms(a))["form(slot with A's treatment)"]},
                "A's treatment",
            ),
            Call(identity, f"{slots}.open_slot", {}, "after preview(A's treatment)"),
        ],
    ]
