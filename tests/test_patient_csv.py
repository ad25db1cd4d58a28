"""CSV import and export of the waitlist at the domain boundary, on the real database.

Files are built as bytes the way Excel and other tools write them (UTF-8 with or without BOM,
Windows-1252, `;` or `,`), so decoding and separator detection are exercised, not bypassed.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from pakjeplekje.config import get_settings
from pakjeplekje.domain.accounts.practice_settings import create_default_treatments
from pakjeplekje.domain.actor import Actor
from pakjeplekje.domain.dutch_dates import AMSTERDAM
from pakjeplekje.domain.errors import DomainError
from pakjeplekje.domain.waitlist import patient_csv, patients
from pakjeplekje.domain.waitlist.patient_csv import ImportPreview, RowError
from pakjeplekje.domain.waitlist.patients import PatientInput, PatientQuery
from pakjeplekje.models import (
    AuditEvent,
    Patient,
    PatientTreatment,
    Practice,
    Practitioner,
    Treatment,
)

if TYPE_CHECKING:
    from conftest import Factory

HEADER_NL = (
    "Naam;Telefoon;Behandelingen;Duur (minuten);Beschikbaarheid;Behandelaar;Urgentie;Notitie;"
    "Toestemming;Status"
)
EXPORT_HEADER_NL = HEADER_NL + ";Toestemming op;Toestemmingstekst"  # + the consent record


def make_practice(db: Session, factory: Factory, name: str) -> tuple[Practice, Actor]:
    """A practice with the default treatments, one practitioner and a logged-in staff member."""
    practice = factory.practice(db, f"Tandartspraktijk {name}")
    assert practice.id is not None
    create_default_treatments(db, practice.id)
    db.add(Practitioner(practice_id=practice.id, name="Dr. Jansen"))
    db.flush()
    user = factory.user(db, practice, f"balie@{name.lower()}.nl")
    _, actor = factory.login(db, user)
    return practice, actor


@pytest.fixture
def alfa(db: Session, factory: Factory) -> tuple[Practice, Actor]:
    return make_practice(db, factory, "Alfa")


def treatment_id(db: Session, practice_id: int, name: str) -> int:
    found = db.exec(
        select(Treatment.id).where(Treatment.practice_id == practice_id, Treatment.name == name)
    ).one()
    assert found is not None
    return found


def add_patient(db: Session, actor: Actor, now: datetime, name: str, phone: str, **kw: object):  # type: ignore[no-untyped-def]
    data = PatientInput(
        name=name,
        phone=phone,
        treatment_ids=[treatment_id(db, actor.practice_id, "controle")],
        duration_minutes=15,
        availability=["ma-ochtend"],
        consent_method="balie",
    )
    for key, value in kw.items():
        setattr(data, key, value)
    return patients.add(db, actor, data, now, secret=get_settings().secret_key)


def patient_count(db: Session, practice_id: int) -> int:
    db.flush()
    return db.exec(
        select(func.count()).select_from(Patient).where(Patient.practice_id == practice_id)
    ).one()


def encode(lines: list[str], encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


def errors_of(preview: ImportPreview) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in preview.errors]


def snapshot(db: Session, practice_id: int) -> list[tuple[object, ...]]:
    """Every patient of a practice as comparable values (names, not ids)."""
    db.flush()
    practitioners = dict(
        db.exec(
            select(Practitioner.id, Practitioner.name).where(
                Practitioner.practice_id == practice_id
            )
        ).all()
    )
    rows = db.exec(select(Patient).where(Patient.practice_id == practice_id)).all()
    names = patients.treatment_names(db, [p.id for p in rows])  # type: ignore[misc]
    return sorted(
        (
            p.name,
            p.phone,
            tuple(names[p.id]),  # type: ignore[index]
            p.duration_minutes,
            p.availability,
            practitioners.get(p.preferred_practitioner_id),  # type: ignore[arg-type]
            p.urgency,
            p.note,
            p.consent_method,
            p.status,
        )
        for p in rows
    )


# --- reading files ---------------------------------------------------------------------------


def test_template_is_a_valid_import(db: Session, alfa: tuple[Practice, Actor]) -> None:
    """The downloadable template's example row imports as is into a new practice."""
    practice, _ = alfa
    template = patient_csv.template_csv()
    assert template.splitlines()[0] == HEADER_NL
    preview = patient_csv.parse(
        db, practice.id, template.encode(), secret=get_settings().secret_key
    )  # type: ignore[arg-type]
    assert preview.errors == ()
    assert [p.name for p in preview.valid] == ["Sanne de Vries"]


def test_utf8_bom_semicolon_dutch_headers(db: Session, alfa: tuple[Practice, Actor]) -> None:
    """Dutch Excel's "CSV UTF-8": BOM, `;`, Dutch headers; accents survive."""
    practice, _ = alfa
    data = "\ufeff".encode() + encode(
        [
            HEADER_NL,
            "Zoë Çelik;06-12345678;controle|vulling;45;ma-ochtend|di-middag;;hoog;;formulier;",
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert preview.errors == ()
    [clean] = preview.valid
    assert clean.name == "Zoë Çelik"
    assert clean.phone == "+31612345678"
    assert clean.treatment_ids == tuple(
        sorted(treatment_id(db, practice.id, n) for n in ("controle", "vulling"))  # type: ignore[arg-type]
    )
    assert clean.duration_minutes == 45
    assert clean.availability == patients.CELLS["ma-ochtend"] | patients.CELLS["di-middag"]
    assert (clean.urgency, clean.consent_method, clean.status) == ("hoog", "formulier", "waiting")


def test_cp1252_comma_english_headers(db: Session, alfa: tuple[Practice, Actor]) -> None:
    """Excel on Windows writes Windows-1252; English headers and values are accepted too."""
    practice, _ = alfa
    data = encode(
        [
            "Name,Phone,Treatments,Duration,Availability,Practitioner,Urgency,Note,Consent,Status",
            'René Müller,+31 6 87654321,"Controle, Kroon",60,"mon morning|sat evening",'
            "dr. jansen,high,café,self,booked",
        ],
        "cp1252",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert preview.errors == ()
    [clean] = preview.valid
    assert (clean.name, clean.note) == ("René Müller", "café")
    assert clean.availability == patients.CELLS["ma-ochtend"] | patients.CELLS["za-avond"]
    assert len(clean.treatment_ids) == 2
    jansen = db.exec(select(Practitioner.id).where(Practitioner.practice_id == practice.id)).one()
    assert clean.preferred_practitioner_id == jansen
    assert (clean.urgency, clean.consent_method, clean.status) == ("hoog", "zelf", "booked")


def test_headers_and_values_are_forgiving(db: Session, alfa: tuple[Practice, Actor]) -> None:
    """Case and spaces in headers, Dutch labels as values, `ma ochtend`, columns in any order,
    unknown columns ignored, an empty duration taken from the treatments."""
    practice, _ = alfa
    data = encode(
        [
            "  TOESTEMMING ;Mobiel nummer; naam ;BEHANDELING;Beschikbaar;duur;Status;E-mail",
            "Mondeling aan de balie;0031687654321;Piet  Bos;Wortelkanaalbehandeling;"
            "maandag hele dag, wo avond;;Geboekt;piet@example.nl",
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert preview.errors == ()
    assert preview.ignored_columns == ("E-mail",)
    [clean] = preview.valid
    assert clean.name == "Piet Bos"
    assert clean.consent_method == "balie"
    assert clean.status == "booked"
    assert clean.duration_minutes == 60  # wortelkanaalbehandeling's default duration
    expected = patients.day_mask(0) | patients.CELLS["wo-avond"]
    assert clean.availability == expected


def test_mixed_rows_report_spreadsheet_row_numbers(
    db: Session, alfa: tuple[Practice, Actor]
) -> None:
    """Header is row 1; a blank line still takes a row; a note over two lines stays one row."""
    practice, _ = alfa
    data = encode(
        [
            HEADER_NL,
            "Goed Een;0611111111;controle;15;ma-ochtend;;;;balie;",  # 2
            "Vaste Lijn;020-1234567;controle;15;ma-ochtend;;;;balie;",  # 3
            "Fout Twee;0622222222;tandsteen;15;zo-ochtend;;;;balie;",  # 4
            ";;;;;;;;;",  # 5
            'Goed Drie;0633333333;vulling;30;di-middag;;;"regel een',  # 6 …
            'regel twee";formulier;',  # … still row 6
            "Fout Vier;0644444444;controle;15;vr-avond;Dr. Onbekend;spoed;;;",  # 7
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert [p.name for p in preview.valid] == ["Goed Een", "Goed Drie"]
    assert preview.valid[1].note == "regel een\nregel twee"  # Excel's CRLF inside a cell
    assert errors_of(preview) == [
        (3, "phone"),
        (4, "treatments"),
        (4, "availability"),
        (7, "practitioner"),
        (7, "urgency"),
        (7, "consent"),
    ]
    by_field = {(e.row, e.field): e for e in preview.errors}
    assert "geen mobiel nummer" in by_field[3, "phone"].message
    assert "tandsteen" in by_field[4, "treatments"].message
    assert "zo-ochtend" in by_field[4, "availability"].message
    assert by_field[7, "consent"].column == "Toestemming"
    assert preview.total_rows == 5
    assert preview.error_rows == 3


def test_parse_writes_nothing(
    db: Session, alfa: tuple[Practice, Actor], now: datetime, factory: Factory
) -> None:
    """A preview is only a preview: no patient, link or audit row appears."""
    practice, _ = alfa
    db.flush()
    audits = db.exec(select(func.count()).select_from(AuditEvent)).one()
    links = db.exec(select(func.count()).select_from(PatientTreatment)).one()
    data = encode([HEADER_NL, "Goed;0611111111;controle;15;ma-ochtend;;;;balie;"])
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert len(preview.valid) == 1
    assert patient_count(db, practice.id) == 0  # type: ignore[arg-type]
    assert db.exec(select(func.count()).select_from(AuditEvent)).one() == audits
    assert db.exec(select(func.count()).select_from(PatientTreatment)).one() == links


def test_all_invalid_file_imports_nothing(
    db: Session, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    practice, actor = alfa
    data = encode([HEADER_NL, "Fout;0201234567;controle;15;ma-ochtend;;;;balie;", ";06123;;;;;;;;"])
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert preview.valid == ()
    assert {e.row for e in preview.errors} == {2, 3}
    assert patient_csv.import_rows(db, actor, preview, now) == 0
    assert patient_count(db, practice.id) == 0  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "leeg"),
        (b"\r\n\r\n", "leeg"),
        (b"\r\nNaam;Telefoon\r\n", "Rij 1"),
        (b"PK\x03\x04rest-of-a-zip", "geen CSV"),
        (
            b"Naam;Telefoon;Behandelingen;Beschikbaarheid\r\nA;0611111111;controle;ma-ochtend",
            "Toestemming",
        ),
        (HEADER_NL.encode() + b"\r\n", "alleen kolomnamen"),
        (b"Naam;naam;Telefoon;Behandelingen;Beschikbaarheid;Toestemming\r\n", "twee keer"),
    ],
    ids=["empty", "blank", "no-header", "xlsx", "missing-column", "header-only", "twice"],
)
def test_unreadable_files_are_refused(
    db: Session, alfa: tuple[Practice, Actor], data: bytes, message: str
) -> None:
    practice, _ = alfa
    with pytest.raises(DomainError) as refused:
        patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert message in refused.value.message


def test_files_over_5_mb_are_refused(db: Session, alfa: tuple[Practice, Actor]) -> None:
    practice, _ = alfa
    row = "Lange Naam;0611111111;controle;15;ma-ochtend;;;" + "x" * 400 + ";balie;\r\n"
    data = (HEADER_NL + "\r\n").encode() + row.encode() * (5 * 1024 * 1024 // len(row) + 1)
    assert len(data) > patient_csv.MAX_BYTES
    with pytest.raises(DomainError, match="groter dan 5 MB"):
        patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert patient_count(db, practice.id) == 0  # type: ignore[arg-type]


def test_more_than_20000_rows_are_refused(db: Session, alfa: tuple[Practice, Actor]) -> None:
    """Counted before any row is validated; blank lines do not count."""
    practice, _ = alfa
    rows = ["A;0611111111;controle;15;ma-ochtend;;;;balie;"] * (patient_csv.MAX_ROWS + 1)
    data = encode([HEADER_NL, *rows])
    assert len(data) < patient_csv.MAX_BYTES
    with pytest.raises(DomainError, match=r"meer dan 20\.000 rijen"):
        patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]


def test_row_limit_counts_data_rows_not_blank_lines(
    db: Session, alfa: tuple[Practice, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exactly the limit is accepted (blank lines do not count), one more is refused.

    A lower limit keeps this quick; the real 20,000 is checked above."""
    practice, _ = alfa
    assert patient_csv.MAX_ROWS == 20_000
    monkeypatch.setattr(patient_csv, "MAX_ROWS", 3)
    rows = [f"P{i};06{10000000 + i};controle;15;ma-ochtend;;;;balie;" for i in range(4)]
    data = encode([HEADER_NL, rows[0], "", ";;;", rows[1], rows[2], ""])
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert preview.total_rows == 3
    assert len(preview.valid) == 3
    with pytest.raises(DomainError, match="rijen"):
        patient_csv.parse(
            db, practice.id, encode([HEADER_NL, *rows]), secret=get_settings().secret_key
        )  # type: ignore[arg-type]


# --- duplicates ------------------------------------------------------------------------------


def test_duplicates_in_file_and_on_the_waitlist(
    db: Session, factory: Factory, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    """Reported once each, never imported twice; another practice's numbers are not duplicates."""
    practice, actor = alfa
    add_patient(db, actor, now, "Al Op Lijst", "0612345678")
    _, beta = make_practice(db, factory, "Beta")
    add_patient(db, beta, now, "Bij Beta", "0658765432")
    data = encode(
        [
            HEADER_NL,
            "Zelfde Als Db;+31 6 12345678;controle;15;ma-ochtend;;;;balie;",  # 2: in DB
            "Nieuw;06 5555 0000;controle;15;ma-ochtend;;;;balie;",  # 3
            "Nieuw Weer;0031655550000;vulling;30;di-ochtend;;;;balie;",  # 4: = row 3
            "Ook Db;06-12345678;controle;15;ma-ochtend;;;;balie;",  # 5: in DB
            "Nummer Van Beta;0658765432;controle;15;ma-ochtend;;;;balie;",  # 6
            "Nieuw Fout;0655550000;controle;15;;;;;balie;",  # 7: invalid, not a duplicate
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert [p.name for p in preview.valid] == ["Nieuw", "Nummer Van Beta"]
    assert [(d.row, d.message) for d in preview.duplicates] == [
        (2, patient_csv.ALREADY_LISTED),
        (4, "Hetzelfde nummer als rij 3."),
        (5, patient_csv.ALREADY_LISTED),
    ]
    assert errors_of(preview) == [(7, "availability")]

    assert patient_csv.import_rows(db, actor, preview, now) == 2
    phones = db.exec(select(Patient.phone).where(Patient.practice_id == practice.id)).all()
    assert sorted(phones) == ["+31612345678", "+31655550000", "+31658765432"]


def test_import_rechecks_duplicates_at_import_time(
    db: Session, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    """A colleague adds one of the numbers between preview and confirm: it is skipped."""
    practice, actor = alfa
    data = encode(
        [
            HEADER_NL,
            "Een;0611111111;controle;15;ma-ochtend;;;;balie;",
            "Twee;0622222222;controle;15;ma-ochtend;;;;balie;",
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    add_patient(db, actor, now, "Handmatig", "06 2222 2222")
    assert patient_csv.import_rows(db, actor, preview, now) == 1
    names = db.exec(select(Patient.name).where(Patient.practice_id == practice.id)).all()
    assert sorted(names) == ["Een", "Handmatig"]


def test_import_is_audited_without_personal_data(
    db: Session, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    practice, actor = alfa
    data = encode(
        [
            HEADER_NL,
            "Anna Geheim;0611111111;controle;15;ma-ochtend;;;;balie;",
            "Bert Geheim;0622222222;kroon;60;ma-ochtend;Dr. Jansen;hoog;;zelf;",
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    assert patient_csv.import_rows(db, actor, preview, now) == 2
    db.flush()
    events = db.exec(
        select(AuditEvent).where(
            AuditEvent.practice_id == practice.id, AuditEvent.action == "patient.imported"
        )
    ).all()
    assert [(e.detail, e.actor_user_id, e.target_id) for e in events] == [
        ("2", actor.user_id, None)
    ]
    stored = db.exec(
        select(Patient).where(Patient.practice_id == practice.id).order_by(col(Patient.name))
    ).all()
    assert [(p.name, p.added_at, p.consent_at) for p in stored] == [
        ("Anna Geheim", now, now),
        ("Bert Geheim", now, now),
    ]


def test_import_refuses_another_practices_preview(
    db: Session, factory: Factory, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    """A preview carries its practice's treatment ids: it can never land in another practice."""
    practice, _ = alfa
    beta_practice, beta = make_practice(db, factory, "Beta")
    data = encode([HEADER_NL, "Een;0611111111;controle;15;ma-ochtend;;;;balie;"])
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        patient_csv.import_rows(db, beta, preview, now)
    assert patient_count(db, beta_practice.id) == 0  # type: ignore[arg-type]
    assert patient_count(db, practice.id) == 0  # type: ignore[arg-type]


def test_import_refuses_when_a_treatment_was_switched_off(
    db: Session, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    """Settings changed between preview and confirm: nothing is written, the user re-uploads."""
    practice, actor = alfa
    data = encode(
        [
            HEADER_NL,
            "Een;0611111111;controle;15;ma-ochtend;;;;balie;",
            "Twee;0622222222;kroon;60;ma-ochtend;;;;balie;",
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    kroon = db.get(Treatment, treatment_id(db, practice.id, "kroon"))  # type: ignore[arg-type]
    assert kroon is not None
    kroon.active = False
    db.add(kroon)
    with pytest.raises(DomainError, match="opnieuw"):
        patient_csv.import_rows(db, actor, preview, now)
    assert patient_count(db, practice.id) == 0  # type: ignore[arg-type]


# --- export ----------------------------------------------------------------------------------


def seed_varied(db: Session, actor: Actor, now: datetime) -> None:
    """Patients that stress the format: quotes, `;`, newlines, formulas, accents, abroad."""

    def tid(name: str) -> int:
        return treatment_id(db, actor.practice_id, name)

    jansen = db.exec(
        select(Practitioner.id).where(Practitioner.practice_id == actor.practice_id)
    ).one()
    add_patient(db, actor, now, "Zoë O'Brien", "06-12345678", note='zegt "graag"; ook\nmiddag')
    add_patient(
        db,
        actor,
        now,
        '=HYPERLINK("http://evil")',
        "+32 470 12 34 56",
        treatment_ids=[tid("kroon"), tid("vulling")],
        duration_minutes=90,
        availability=["ma-ochtend", "ma-middag", "ma-avond", "za-avond"],
        preferred_practitioner_id=jansen,
        urgency="hoog",
        consent_method="zelf",
        note="-5 min te laat, @balie",
    )
    booked = add_patient(db, actor, now, "Jan de Boer", "0687654321", consent_method="formulier")
    patients.set_status(db, actor, booked.id, "booked", now)  # type: ignore[arg-type]
    removed = add_patient(db, actor, now, "Weg Gehaald", "0611112222")
    patients.set_status(db, actor, removed.id, "removed", now)  # type: ignore[arg-type]


def export_text(db: Session, practice_id: int, query: PatientQuery, batch: int = 1000) -> str:
    return "".join(patient_csv.export_csv(db, practice_id, query, batch))


def exported_names(text: str) -> list[str]:
    """The Naam column of an export, read back the way a spreadsheet would."""
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert rows[0] == EXPORT_HEADER_NL.split(";")
    return [row[0] for row in rows[1:]]


def test_export_round_trips_into_a_fresh_practice(
    db: Session, factory: Factory, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    practice, actor = alfa
    seed_varied(db, actor, now)
    text = export_text(db, practice.id, PatientQuery(status=""))  # type: ignore[arg-type]
    fresh, fresh_actor = make_practice(db, factory, "Nieuw")
    preview = patient_csv.parse(
        db, fresh.id, text.encode("utf-8"), secret=get_settings().secret_key
    )  # type: ignore[arg-type]
    assert preview.errors == ()
    assert preview.duplicates == ()
    assert patient_csv.import_rows(db, fresh_actor, preview, now) == 4
    original = snapshot(db, practice.id)  # type: ignore[arg-type]
    assert len(original) == 4
    assert snapshot(db, fresh.id) == original  # type: ignore[arg-type]


def test_export_is_excel_friendly_and_streams_in_batches(
    db: Session, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    practice, actor = alfa
    seed_varied(db, actor, now)
    chunks = list(
        patient_csv.export_csv(db, practice.id, PatientQuery(status="", sort="name"), batch=1)  # type: ignore[arg-type]
    )
    assert len(chunks) == 5  # header, then one chunk per batch
    assert chunks[0] == "\ufeff" + EXPORT_HEADER_NL + "\r\n"
    consented = now.astimezone(AMSTERDAM).strftime("%Y-%m-%d %H:%M")
    assert chunks[1] == (
        '"\'=HYPERLINK(""http://evil"")";0032 470 12 34 56;kroon|vulling;90;'
        "ma-ochtend|ma-middag|ma-avond|za-avond;Dr. Jansen;hoog;'-5 min te laat, @balie;zelf;"
        f"wacht;{consented};\r\n"
    )
    assert chunks[2].startswith("Jan de Boer;06 87654321;controle;15;ma-ochtend;;normaal;;")
    assert chunks[2].endswith(f";formulier;geboekt;{consented};\r\n")


def test_export_applies_filters_and_stays_in_its_practice(
    db: Session, factory: Factory, alfa: tuple[Practice, Actor], now: datetime
) -> None:
    practice, actor = alfa
    seed_varied(db, actor, now)
    beta_practice, beta = make_practice(db, factory, "Beta")
    add_patient(db, beta, now, "Alleen Bij Beta", "0612345678")

    def names(practice_id: int, query: PatientQuery) -> list[str]:
        return exported_names(export_text(db, practice_id, query))

    formula = '\'=HYPERLINK("http://evil")'

    assert names(beta_practice.id, PatientQuery(status="")) == ["Alleen Bij Beta"]  # type: ignore[arg-type]
    alfa_all = names(practice.id, PatientQuery(status="", sort="name"))  # type: ignore[arg-type]
    assert "Alleen Bij Beta" not in alfa_all
    assert len(alfa_all) == 4
    waiting = names(practice.id, PatientQuery(sort="name"))  # type: ignore[arg-type]
    assert waiting == [formula, "Zoë O'Brien"]
    assert names(practice.id, PatientQuery(status="", urgency="hoog")) == [formula]  # type: ignore[arg-type]
    assert names(practice.id, PatientQuery(status="removed")) == ["Weg Gehaald"]  # type: ignore[arg-type]
    assert names(practice.id, PatientQuery(status="", search="boer")) == ["Jan de Boer"]  # type: ignore[arg-type]


def test_row_error_reports_column_label() -> None:
    assert RowError(2, "duration", "x").column == "Duur (minuten)"


def test_preview_shows_the_first_rows_it_will_import(
    db: Session, alfa: tuple[Practice, Actor]
) -> None:
    """Staff check the first rows before confirming: name, phone as they read it, treatments
    by name; rows with errors are not among them."""
    practice, _ = alfa
    rows = [f"Rij {i:02d};06{11000000 + i};controle;15;ma-ochtend;;;;balie;" for i in range(7)]
    data = encode(
        [
            HEADER_NL,
            "Fout Nummer;020-1234567;controle;15;ma-ochtend;;;;balie;",
            "Bert Boom;+31 6 22222222;vulling|kroon;60;di-middag;;;;formulier;",
            *rows,
        ]
    )
    preview = patient_csv.parse(db, practice.id, data, secret=get_settings().secret_key)  # type: ignore[arg-type]
    sample = patient_csv.sample(db, preview)
    assert len(preview.valid) == 8 and len(sample) == patient_csv.SAMPLE_ROWS == 5
    assert sample[0] == patient_csv.SampleRow("Bert Boom", "06-22222222", "kroon, vulling")
    assert [s.name for s in sample[1:]] == ["Rij 00", "Rij 01", "Rij 02", "Rij 03"]
    assert sample[1].phone == "06-11000000" and sample[1].treatments == "controle"
