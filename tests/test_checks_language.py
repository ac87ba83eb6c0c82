# ruff: noqa: RUF001 (Greek and Cyrillic text is the point of some of these tests)
"""The checks in every language: readability by the formula made for the language (or
'not measured'), plain-word lists per language, numbers read as the language writes
them, and 'get help at once' whatever the language."""

from __future__ import annotations

import datetime

import pytest
import textstat

from leaflet.check import Checker
from leaflet.check.readability import split_sentences
from leaflet.check.report import report_text
from leaflet.cli import main
from leaflet.render.templates import resolve_set

HARD = {  # one long, technical sentence in each language
    "es": "La administración concomitante de depresores del sistema nervioso central potencia "
          "considerablemente la sedación farmacológica.",
    "fr": "L'administration concomitante de dépresseurs du système nerveux central potentialise "
          "considérablement la sédation pharmacologique.",
    "de": "Die gleichzeitige Anwendung zentralnervös wirksamer Arzneimittel verstärkt die "
          "pharmakologisch bedingte Sedierung erheblich.",
    "it": "La somministrazione concomitante di farmaci depressori del sistema nervoso centrale "
          "potenzia considerevolmente la sedazione farmacologica.",
    "nl": "Gelijktijdige toediening van centraal werkende middelen versterkt de farmacologische "
          "sedatie aanzienlijk.",
}
FORMULA = {"es": "Szigriszt-Pazos perspicuity", "fr": "Kandel-Moles reading ease",
           "de": "Wiener Sachtextformel grade", "it": "Gulpease index",
           "nl": "Flesch-Douma reading ease"}


@pytest.fixture(scope="module")
def checker() -> Checker:
    return Checker(resolve_set("default"), datetime.date(2026, 6, 1))


def messages(report, rule: str) -> list[str]:
    return [f"{f.severity.value}: {f.key}: {f.message}" for f in report.findings
            if f.rule == rule]


def storage_in(language: str, *texts: str):
    def change(data):
        data["leaflet"]["language"] = language
        data["sections"]["storage"] = list(texts)

    return change


# readability


@pytest.mark.parametrize("language", sorted(HARD))
def test_each_language_is_held_to_its_own_formula(write_content, checker, language):
    report = checker.check(write_content(storage_in(language, HARD[language])))
    storage = next(s for s in report.readability if s.section == "storage")
    assert storage.formula is not None and storage.formula.name == FORMULA[language]
    found = messages(report, "readability")
    side = "above" if language == "de" else "below"
    assert any(line.startswith(f"warning: sections.storage: {FORMULA[language]} "
                               f"{storage.score:.1f} is {side} ") for line in found), found
    assert not any("reading grade" in line or "reading ease " in line.split(": ", 2)[2][:13]
                   for line in found)  # no English formula on this text
    table = report_text([report], checker.config.readability)
    assert f"targets: {FORMULA[language]}" in table and " score " in table


@pytest.mark.parametrize(("language", "expected"), [
    ("es", lambda text: textstat.szigriszt_pazos(text)),
    ("de", lambda text: textstat.wiener_sachtextformel(text, 1)),
    ("fr", lambda text: textstat.flesch_reading_ease(text)),  # French constants: Kandel-Moles
    ("nl", lambda text: textstat.flesch_reading_ease(text)),  # Dutch constants: Douma
    ("it", lambda text: 89 + (300 - 10 * textstat.letter_count(text))
     / textstat.lexicon_count(text)),  # Gulpease counts letters, not punctuation
])
def test_the_score_is_the_published_formula(write_content, checker, language, expected):
    """One sentence, so our sentence split and textstat's agree: the score is the formula
    as textstat (with the language's constants) computes it."""
    report = checker.check(write_content(storage_in(language, HARD[language])))
    storage = next(s for s in report.readability if s.section == "storage")
    textstat.set_lang(language)
    assert storage.score == pytest.approx(expected(HARD[language]), abs=0.06)


@pytest.mark.parametrize(("language", "name"), [("pl", "Polish"), ("el-GR", "Greek"),
                                                ("bg", "Bulgarian"), ("zh-CN", "Chinese")])
def test_languages_without_a_formula_are_not_measured(write_content, checker, language, name):
    report = checker.check(write_content(storage_in(language, "Tekst.")))
    assert report.readability == ()
    assert messages(report, "readability") == [
        f"note: leaflet.language: readability is not measured: no readability formula is made "
        f"for {name} (the content is {language!r}); English formulas do not apply"]


def test_sentences_split_in_any_script():
    assert split_sentences("¿Tiene dudas? Pregunte a su médico.") == [
        "¿Tiene dudas?", "Pregunte a su médico."]
    assert split_sentences("Πάρτε το με νερό. Όταν ξεχάσετε, μην διπλασιάσετε.") == [
        "Πάρτε το με νερό.", "Όταν ξεχάσετε, μην διπλασιάσετε."]
    assert split_sentences("Приемайте с вода. Не удвоявайте дозата.") == [
        "Приемайте с вода.", "Не удвоявайте дозата."]
    assert split_sentences("Take it with water. then rest.") == ["Take it with water. then rest."]


# plain words


def test_spanish_medical_words_get_spanish_plain_words(write_content, checker):
    report = checker.check(write_content(storage_in(
        "es-MX", "Puede producir cefalea.", "Si nota hipotensión (tensión baja), avise.",
        "Las convulsiones son raras.")))
    assert messages(report, "plain-words") == [
        'warning: sections.storage[0]: medical word "cefalea": say "dolor de cabeza" instead, '
        'or write both: "dolor de cabeza (cefalea)"',
        'warning: sections.storage[2]: medical word "convulsiones": say "ataques" instead, '
        'or write both: "ataques (convulsiones)"']


def test_english_words_are_not_looked_for_in_spanish(write_content, checker):
    report = checker.check(write_content(storage_in("es", "Nausea es una palabra inglesa.")))
    assert messages(report, "plain-words") == []


def test_a_language_without_a_list_is_noted(write_content, checker):
    report = checker.check(write_content(storage_in("pl", "Przechowywać w suchym miejscu.")))
    assert messages(report, "plain-words") == [
        "note: leaflet.language: plain words are not checked in 'pl': the template set has no "
        "plain_words.pl.yaml word list"]


def test_a_set_adds_a_list_for_its_language(write_content, tmp_path, capsys):
    folder = tmp_path / "polish"
    folder.mkdir()
    (folder / "theme.yaml").write_text("extends: default\n", "utf-8")
    (folder / "plain_words.pl.yaml").write_text("cefalgia: ból głowy\n", "utf-8")
    path = write_content(storage_in("pl", "Może wystąpić cefalgia."))
    main(["check", str(path), "--template", str(folder)])
    out = capsys.readouterr().out
    assert 'medical word "cefalgia": say "ból głowy" instead' in out
    assert "plain words are not checked" not in out


# doses: numbers as the language writes them

def dose_findings(write_content, checker, language: str, sentence: str) -> list[str]:
    def change(data):
        data["leaflet"]["language"] = language
        data["sections"]["dosing"]["general"].append(sentence)

    return [line for line in messages(checker.check(write_content(change)), "dose")
            if "sections.dosing.general[4]" in line]


@pytest.mark.parametrize(("language", "sentence", "expected"), [
    # the maximum daily dose is 80 mg: 2500 mg is over it, 2.5 mg is not
    ("en", "Never take 2,500 mg.", ['the text says "2,500 mg", more than the maximum']),
    ("en", "A child may take 2,5 mg.", []),
    ("en", "A child may take 2.5 mg.", []),
    ("de", "Nehmen Sie nie 2.500 mg.", ['the text says "2.500 mg", more than the maximum']),
    ("de", "Ein Kind darf 2,5 mg nehmen.", []),
    ("de", "Ein Kind darf 2.5 mg nehmen.", []),
    ("de", "Ein Kind darf 2,500 mg nehmen.",
     ['write "2,5 mg", not "2,500 mg": a trailing zero is misread']),
    ("de", "Ein Kind darf ,5 mg nehmen.", ['write "0,5 mg", not ",5 mg": without the 0']),
    ("fr", "Ne prenez jamais 2\u202f500 mg.", ['the text says "2\u202f500 mg", more than']),
    ("fr", "Un enfant peut prendre 2,5 mg.", []),
    ("pl", "Nigdy nie przyjmować 2\u00a0500 mg.", ['the text says "2\u00a0500 mg", more than']),
    ("es", "No tome nunca 2.500 mg.", ['the text says "2.500 mg", more than the maximum']),
    ("zh", "切勿服用2,500 mg。", ['the text says "2,500 mg", more than the maximum']),
    # Swiss print groups with an apostrophe: never read as the "000 mg" after it
    ("de-CH", "Nehmen Sie nie 8\u2019000 mg.", ['the text says "8\u2019000 mg", more than']),
    ("en", "Never take 8'000 mg.", ['the text says "8\'000 mg", more than the maximum']),
])
def test_decimal_signs_and_thousands_follow_the_language(write_content, checker, language,
                                                         sentence, expected):
    found = dose_findings(write_content, checker, language, sentence)
    assert len(found) == len(expected), found
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(f"error: sections.dosing.general[4]: {start}"), line


def test_dose_wording_outside_english_is_noted_not_misread(write_content, checker):
    def change(data):
        data["leaflet"]["language"] = "es"
        data["sections"]["dosing"]["schedule"]["timing"] = (
            "Tome una dosis por la mañana, otra al mediodía y otra por la noche.")

    found = messages(checker.check(write_content(change)), "dose")
    assert found == [
        "note: leaflet.language: dose wording is not checked in 'es': every amount in the text "
        "is compared with the maximum daily dose, but stated maximums, intakes a day, numbers "
        "of days, times of day and forms swallowed whole are read in English only"]


def test_english_dose_wording_is_still_read(write_content, checker):
    found = dose_findings(write_content, checker, "en-GB",
                          "The most you should take in one day is 60 mg.")
    assert found == ['error: sections.dosing.general[4]: the text says at most "60 mg" a day, '
                     "but the maximum daily dose is 80 mg"]


# get help at once


@pytest.mark.parametrize("language", ["es", "el", "zh-CN"])
def test_get_help_at_once_is_checked_in_every_language(write_content, checker, language):
    def empty(data):
        data["leaflet"]["language"] = language
        data["sections"]["side_effects"]["urgent"]["signs"] = ["[serious effect]"]

    def written(data):
        data["leaflet"]["language"] = language
        data["sections"]["side_effects"]["urgent"]["signs"] = ["dificultad para respirar"]

    missing = 'no "get help at once" item: list at least one serious effect that needs help'
    assert any(missing in line for line in messages(checker.check(write_content(empty)),
                                                     "completeness"))
    assert not any(missing in line for line in messages(checker.check(write_content(written)),
                                                         "completeness"))
