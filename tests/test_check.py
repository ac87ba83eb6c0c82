"""`leaflet check` and the checks `leaflet build` runs: one failing fixture per rule, each
with its exact message, and the baclofen leaflet passing without errors."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

import jsonschema
import pytest
import textstat
import yaml
from conftest import BACLOFEN, ROOT, build_bytes
from pdfread import DRAFT_NOTICE, page_texts, text_runs

from leaflet.check import Checker, Severity
from leaflet.check.findings import RULES
from leaflet.check.plain_words import compile_terms
from leaflet.check.readability import SectionReadability, Sentence, split_sentences
from leaflet.check.report import SCHEMA_PATH
from leaflet.cli import main
from leaflet.render.templates import resolve_set

TODAY = date.today()


@pytest.fixture
def check(capsys):
    """Run `leaflet check` in-process: (exit code, stdout lines, stderr lines)."""

    def run(*args: str):
        code = main(["check", *map(str, args)])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        return code, captured.out.splitlines(), captured.err.splitlines()

    return run


@pytest.fixture(scope="session")
def checker() -> Checker:
    return Checker(resolve_set("default"), TODAY)


@pytest.fixture(scope="session")
def baclofen_report(checker):
    return checker.check(BACLOFEN)


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The first line (1-based) after line ``after`` that contains ``needle``."""
    lines = path.read_text("utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if n > after and needle in line)


def findings_of(report, rule: str) -> list[str]:
    return [f"{f.severity.value}: {f}" for f in report.findings if f.rule == rule]


def approve(data: dict, on: date = TODAY - timedelta(days=30)) -> None:
    """Mark content approved by a fictional reviewer, with every placeholder filled in."""

    def fill(value):
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, str):
            return re.sub(r"\[[^\[\]]+\]", "ask at the desk", value)
        return value

    data.update(fill(data))
    data["leaflet"]["revision_date"] = on.strftime("%Y-%m")
    data["review"] = {"status": "approved", "reviewer": "A. Example, pharmacist (test fixture)",
                      "date": on.isoformat()}


# the baclofen leaflet


def test_baclofen_passes_without_errors(baclofen_report, check):
    assert baclofen_report.status == "draft"
    assert baclofen_report.passed
    assert [f for f in baclofen_report.findings if f.severity is Severity.ERROR] == []
    assert findings_of(baclofen_report, "plain-words") == []
    assert findings_of(baclofen_report, "dose") == []
    assert findings_of(baclofen_report, "readability") == []
    code, out, _ = check(BACLOFEN)
    assert code == 0
    assert out[-1] == f"{BACLOFEN}: passed: 0 errors, 11 warnings, 1 note"


def test_baclofen_meets_the_readability_targets_in_every_section(baclofen_report):
    sections = [s.section for s in baclofen_report.readability]
    assert sections == ["about", "key_information", "before_taking", "dosing", "missed_dose",
                        "overdose", "stopping", "side_effects", "storage", "other_information"]
    for stats in baclofen_report.readability:
        assert stats.grade <= 8, stats.section
        assert stats.reading_ease >= 60, stats.section
        assert stats.words_per_sentence <= 20, stats.section
        assert stats.longest <= 35, stats.section


def test_the_docs_show_the_current_readability_figures(baclofen_report):
    """The table in docs/checking.md is the one `leaflet check` prints, so it cannot go stale."""
    docs = (ROOT / "docs" / "checking.md").read_text("utf-8")
    for stats in baclofen_report.readability:
        row = (f"| {stats.section} | {stats.words} | {len(stats.sentences)} | "
               f"{stats.reading_ease:.1f} | {stats.grade:.1f} | {stats.words_per_sentence:.1f} | "
               f"{stats.longest} | {100 * stats.long_word_share:.0f}% |")
        assert row in docs


def test_the_formulas_are_textstats_where_sentences_agree():
    """On plain prose our sentence split equals textstat's, and so must the figures."""
    text = ("Baclofen is a medicine that relaxes your muscles. It belongs to a group of "
            "medicines called muscle relaxants. You can only get baclofen on a prescription "
            "from your doctor. Hallucinations and physiotherapy are long words.")
    textstat.set_lang("en_GB")
    stats = SectionReadability("about")
    for sentence in split_sentences(text):
        words = textstat.lexicon_count(sentence)
        stats.words += words
        stats.syllables += textstat.syllable_count(sentence)
        stats.sentences.append(Sentence("k", 1, sentence, words))
    assert len(stats.sentences) == textstat.sentence_count(text) == 4
    assert stats.reading_ease == pytest.approx(textstat.flesch_reading_ease(text))
    assert stats.grade == pytest.approx(textstat.flesch_kincaid_grade(text))


def test_list_items_are_sentences_of_their_own(write_content, checker):
    """'headache' is a list item, not part of the sentence before it."""
    report = checker.check(write_content())
    effects = next(s for s in report.readability if s.section == "side_effects")
    items = [s.text for s in effects.sentences]
    assert "headache" in items and "dry mouth" in items


# completeness


def test_missing_overdose_section(write_content, check):
    path = write_content(lambda d: d["sections"].pop("overdose"))
    code, out, _ = check(path)
    assert code == 1
    line = line_of(path, "sections:") + 1
    expected = (f"    error: {path}:{line}: sections.overdose: required section is missing: "
                "what to do after taking too much")
    assert expected in out
    assert out[-1] == f"{path}: FAILED: 1 error, 0 warnings, 0 notes"


def test_required_sections_are_data_of_the_template_set(tmp_path, write_content, check):
    folder = tmp_path / "strict-set"
    shutil.copytree(ROOT / "templates" / "default", folder)
    checks = folder / "checks.yaml"
    checks.write_text(checks.read_text("utf-8").replace(
        "required_sections:\n",
        "required_sections:\n  - key: sections.side_effects.see_doctor\n"
        "    what: when to see a doctor soon\n"), "utf-8")
    path = write_content(lambda d: d["sections"]["side_effects"].pop("see_doctor"))
    assert check(path)[0] == 0
    code, out, _ = check(path, "--template", folder)
    assert code == 1
    line = line_of(path, "side_effects:") + 1
    assert (f"    error: {path}:{line}: sections.side_effects.see_doctor: required section is "
            "missing: when to see a doctor soon") in out


def test_a_typo_in_checks_yaml_is_named(tmp_path, check):
    folder = tmp_path / "typo-set"
    shutil.copytree(ROOT / "templates" / "default", folder)
    checks = folder / "checks.yaml"
    checks.write_text(checks.read_text("utf-8").replace("key: sections.overdose",
                                                        "key: sections.overdoes"), "utf-8")
    code, _, err = check(BACLOFEN, "--template", folder)
    assert code == 1
    assert err == [f"error: {checks}:{line_of(checks, 'overdoes')}: required_sections[5].key: "
                   "'sections.overdoes' is not a key of the content format; did you mean "
                   "'sections.overdose'?"]


def test_a_section_of_placeholders_is_not_written(write_content, checker):
    path = write_content(lambda d: d.update(
        sections={**d["sections"], "storage": ["[storage conditions]"]}))
    report = checker.check(path)
    line = line_of(path, "storage:") + 1
    assert f"warning: {path}:{line}: sections.storage: has only placeholders: write how to " \
           "store it" in findings_of(report, "completeness")


def test_urgent_help_needs_a_real_item(write_content, checker):
    def change(data):
        data["sections"]["side_effects"]["urgent"]["signs"] = ["[serious side effects]"]

    path = write_content(change)
    report = checker.check(path)
    line = line_of(path, "[serious side effects]")
    assert f'error: {path}:{line}: sections.side_effects.urgent.signs: no "get help at once" ' \
           "item: list at least one serious effect that needs help at once" \
           in findings_of(report, "completeness")


def test_unreadable_file_is_a_finding_and_the_others_are_still_checked(tmp_path, check):
    bad = tmp_path / "bad.yaml"
    bad.write_text("medicine: [unclosed\n", "utf-8")
    code, out, _ = check(bad, BACLOFEN)
    assert code == 1
    assert any(line.startswith(f"    error: {bad}:2: invalid YAML") for line in out)
    assert f"{BACLOFEN}: passed: 0 errors, 11 warnings, 1 note" in out
    assert out[-1] == "2 files checked: 1 error, 11 warnings, 1 note"


# readability


FORTY_FIVE_WORDS = (
    "If you forget a dose and it is already late in the evening, take the missed dose "
    "only if your next dose is a long way off, and then go on with the rest of your doses "
    "at the usual times on the next day.")


def test_a_45_word_sentence(write_content, check):
    assert textstat.lexicon_count(FORTY_FIVE_WORDS) == 45
    path = write_content(lambda d: d["sections"]["missed_dose"].append(FORTY_FIVE_WORDS))
    code, out, _ = check(path)
    assert code == 0  # a warning: printed, does not stop a build
    line = line_of(path, "If you forget a dose and it is already late")
    message = (f"{path}:{line}: sections.missed_dose[3]: sentence of 45 words, more than 35: "
               'split it: "If you forget a dose and it is already late…"')
    assert f"    warning: {message}" in out
    code, out, _ = check(path, "--strict")
    assert code == 1
    assert f"    error: {message}" in out


def test_hard_section_is_reported_with_its_longest_sentence(write_content, checker):
    hard = ("Concomitant administration of centrally acting depressants potentiates "
            "pharmacological sedation considerably.")
    path = write_content(lambda d: d["sections"].update(storage=[hard]))
    report = checker.check(path)
    stats = next(s for s in report.readability if s.section == "storage")
    line = line_of(path, "storage:") + 1
    assert f"warning: {path}:{line}: sections.storage: reading grade {stats.grade:.1f} is above " \
           f"8: use shorter sentences and words; longest sentence (10 words): " \
           f'"Concomitant administration of centrally acting depressants potentiates ' \
           f'pharmacological sedation considerably."' in findings_of(report, "readability")


def test_a_language_without_a_formula_is_not_measured(write_content, checker):
    report = checker.check(write_content(lambda d: d["leaflet"].update(language="pl-PL")))
    assert report.readability == ()
    assert any("readability is not measured: no readability formula is made for Polish (the "
               "content is 'pl-PL'); English formulas do not apply" in line
               for line in findings_of(report, "readability"))


# plain words


def test_tinnitus(write_content, check):
    def change(data):
        data["sections"]["side_effects"]["by_frequency"]["not_known"][3] = "tinnitus"

    path = write_content(change)
    code, out, _ = check(path, "--format", "json")
    assert code == 0
    findings = json.loads("\n".join(out))["files"][0]["findings"]
    plain = [f for f in findings if f["rule"] == "plain-words"]
    assert plain == [{
        "severity": "warning", "rule": "plain-words", "section": "side_effects",
        "line": line_of(path, "- tinnitus"),
        "key": "sections.side_effects.by_frequency.not_known[3]",
        "message": 'medical word "tinnitus": say "ringing in the ears" instead, or write '
                   'both: "ringing in the ears (tinnitus)"',
        "suggestion": "ringing in the ears"}]


@pytest.mark.parametrize("text", [
    "ringing in the ears (tinnitus)",
    "tinnitus (ringing in the ears)",
    "Tinnitus, a ringing in the ears",
])
def test_a_medical_word_explained_in_the_same_text_is_fine(write_content, checker, text):
    def change(data):
        data["sections"]["side_effects"]["by_frequency"]["not_known"][3] = text

    assert findings_of(checker.check(write_content(change)), "plain-words") == []


def test_plurals_and_phrases_are_found(write_content, checker):
    def change(data):
        data["sections"]["overdose"]["signs"] += ["seizures", "an adverse  reaction"]

    words = findings_of(checker.check(write_content(change)), "plain-words")
    assert len(words) == 2
    assert 'medical word "seizures": say "fits" instead' in words[0]
    assert 'medical word "adverse  reaction": say "side effect" instead' in words[1]


@pytest.mark.parametrize("text", [
    "TINNITUS and Seizures, an Adverse\n reaction; hypotensions",
    "pre-tinnitus, tinnitus-like, xseizure, seizuresx, (seizure), 'Nausea'",
    "orthostatic hypotension and Orthostatic  Hypotension, then hypotension alone",
])
def test_a_text_in_ascii_finds_the_words_the_case_blind_pattern_finds(text):
    words = yaml.safe_load((ROOT / "templates" / "default" / "plain_words.yaml").read_text())
    terms = compile_terms(tuple(words.items()))
    expected = [match.span() for match in terms.pattern.finditer(text)]
    assert len(expected) >= 2
    assert terms.lowered is not None  # a list in ASCII
    assert list(terms.spans(text)) == expected  # lowered, matched without IGNORECASE


def test_a_listed_word_whose_lower_case_is_not_its_match_is_found_and_named():
    """'İnme', and 'seizure' spelt with a long s (U+017F), match 'inme' and 'seizure'
    without case, but lowered they do not: a list that is not all ASCII is matched
    without case, and the word found is named by the listed word it matched."""
    terms = compile_terms((("İnme", "stroke"), ("\u017feizure", "fits"), ("tinnitus", "ringing")))
    text = "Risk of inme here, SEIZURES and Tinnitus."
    assert terms.lowered is None
    spans = list(terms.spans(text))
    assert spans == [match.span() for match in terms.pattern.finditer(text)]
    assert [terms.plain_for(text[start:end])[1] for start, end in spans] == [
        "stroke", "fits", "ringing"]


# doses


def test_a_dose_step_above_the_maximum(write_content, check, tmp_path, capsys):
    path = write_content(lambda d: d["sections"]["dosing"].update(
        maximum_daily_dose="50 mg"))
    code, out, _ = check(path)
    assert code == 1
    steps = line_of(path, "steps:")
    step4 = line_of(path, "- days: 3", after=line_of(path, "- days: 3", after=line_of(
        path, "- days: 3", after=line_of(path, "- days: 3", after=steps))))
    after = line_of(path, "Most people should not take more than 80 mg")
    assert [line for line in out if "error:" in line] == [
        f"    error: {path}:{step4}: sections.dosing.schedule.steps[3]: step 4: 20 mg 3 times "
        "a day is 60 mg a day, more than the maximum daily dose of 50 mg",
        f"    error: {path}:{after}: sections.dosing.schedule.after[1]: the text says at most "
        '"80 mg" a day, but the maximum daily dose is 50 mg']
    output = tmp_path / "refused.pdf"
    assert main(["build", str(path), "-o", str(output)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (f"error: {path}:{step4}: sections.dosing.schedule.steps[3]: step 4: "
                      "20 mg 3 times a day is 60 mg a day, more than the maximum daily dose "
                      "of 50 mg")
    assert not output.exists()


def test_doses_in_grams_and_micrograms_compare(write_content, checker):
    def change(data):
        data["sections"]["dosing"]["maximum_daily_dose"] = "0.05 g"
        data["sections"]["dosing"]["schedule"]["steps"][0]["dose"] = "5000 micrograms"
        data["sections"]["dosing"]["schedule"]["after"][1] = "Do not take more than 0.05 g a day."

    dose = sorted(findings_of(checker.check(write_content(change)), "dose"))
    assert len(dose) == 2
    assert dose[0].startswith("error: ") and dose[0].endswith(
        "step 4: 20 mg 3 times a day is 60 mg a day, more than the maximum daily dose of 0.05 g")
    assert dose[1].startswith("warning: ") and dose[1].endswith(
        "the dose table and maximum daily dose mix g and mg and micrograms: use one unit so "
        "doses compare at a glance")


@pytest.mark.parametrize(("text", "message"), [
    ("Take 500 mcg if told to.", 'write "500 micrograms", not "500 mcg": it is misread as "mg"'),
    ("A 10.0 mg tablet.", 'write "10 mg", not "10.0 mg": a trailing zero is misread as ten '
                          "times the dose"),
    ("Half is .5 mg of it.", 'write "0.5 mg", not ".5 mg": without the 0 it is misread as a '
                             "whole number"),
    ("Take it twice a day.", 'the text says "twice a day", but the dose table gives 3 times '
                             "a day"),
    ("Keep to the plan for the first 14 days.", 'the text says "first 14 days", but the dose '
                                                "table's steps add up to 12 days"),
    ("Take 30 mg three times a day.", 'the text says "30 mg three times a day", 90 mg a day, '
                                      "more than the maximum daily dose of 80 mg"),
    ("Never take more than 60 mg in one day.", 'the text says at most "60 mg" a day, but the '
                                               "maximum daily dose is 80 mg"),
    ("Never take more than 4,000 mg a day.", 'the text says at most "4,000 mg" a day, but the '
                                             "maximum daily dose is 80 mg"),
    ("Never take more than 4\u00a0000 mg a day.", 'the text says at most "4\u00a0000 mg" a day, '
                                                  "but the maximum daily dose is 80 mg"),
    ("Never take more than 1 000 mg a day.", 'the text says at most "1 000 mg" a day, but the '
                                             "maximum daily dose is 80 mg"),
    ("A single dose of 2,500 mg is dangerous.", 'the text says "2,500 mg", more than the '
                                                "maximum daily dose of 80 mg"),
    ("The most you should take in one day is 2000 mg.", 'the text says at most "2000 mg" a '
                                                        "day, but the maximum daily dose is 80 mg"),
    ("The most you should take in one day is 60 mg.", 'the text says at most "60 mg" a day, but '
                                                      "the maximum daily dose is 80 mg"),
    ("The maximum in 24 hours is 40 mg.", 'the text says at most "40 mg" a day, but the maximum '
                                          "daily dose is 80 mg"),
])
def test_dose_text_contradictions_and_misread_units(write_content, checker, text, message):
    path = write_content(lambda d: d["sections"]["dosing"]["general"].append(text))
    line = line_of(path, text)
    assert findings_of(checker.check(path), "dose") == [
        f"error: {path}:{line}: sections.dosing.general[4]: {message}"]


@pytest.mark.parametrize("text", [
    "This matters most if you take more than 30 mg a day.",
    "For the first 3 days, take half a tablet.",
    "Your doctor may raise the dose to 60 mg a day.",
    "Each 5 ml spoonful is one dose.",
    "The most you should take in one day is 80 mg.",
    "The highest dose is 80 mg a day.",
    "On days 1 to 3, take 5 mg three times a day.",
])
def test_doses_that_agree_with_the_table_are_fine(write_content, checker, text):
    path = write_content(lambda d: d["sections"]["dosing"]["general"].append(text))
    assert findings_of(checker.check(path), "dose") == []


def test_intakes_a_day_need_explicit_times(write_content, checker):
    path = write_content(lambda d: d["sections"]["dosing"]["schedule"].update(
        timing="Take it three times daily."))
    line = line_of(path, "timing:")
    assert findings_of(checker.check(path), "dose") == [
        f"warning: {path}:{line}: sections.dosing.schedule.timing: the timing names no time of "
        "day for a dose taken 3 times a day: say when to take each one (for example in the "
        "morning, at midday and in the evening)"]


# review status and dates


def test_a_future_revision_date(write_content, check, tmp_path, capsys):
    path = write_content(lambda d: d["leaflet"].update(revision_date="2099-05"))
    code, out, _ = check(path)
    assert code == 1
    line = line_of(path, "revision_date:")
    expected = f"{path}:{line}: leaflet.revision_date: the revision date 2099-05 is in the future"
    assert f"    error: {expected}" in out
    assert main(["build", str(path), "-o", str(tmp_path / "x.pdf")]) == 1
    assert capsys.readouterr().err.splitlines() == [f"error: {expected}"]


@pytest.mark.parametrize(("revised", "today", "message"), [
    ("2023-05", date(2026, 6, 1), "warning: the revision date 2023-05 is more than 3 years "
                                  "ago: review the leaflet and update the date"),
    ("2023-06", date(2026, 6, 1), None),
    ("2026-05", date(2026, 5, 1), None),
    ("2026-06", date(2026, 5, 31), "error: the revision date 2026-06 is in the future"),
    ("2026-05-14", date(2026, 5, 13), "error: the revision date 2026-05-14 is in the future"),
    ("2026-13", date(2026, 5, 13), "error: '2026-13' is not a real date"),
])
def test_revision_date_age(write_content, revised, today, message):
    path = write_content(lambda d: d["leaflet"].update(revision_date=revised))
    report = Checker(resolve_set("default"), today).check(path)
    found = [f"{f.severity.value}: {f.message}" for f in report.findings
             if f.key == "leaflet.revision_date"]
    assert found == ([message] if message else [])


def test_unapproved_content_says_draft_on_every_page(baclofen_pdf, write_content):
    assert "status: draft" in BACLOFEN.read_text("utf-8")
    without_review = build_bytes(write_content(lambda d: d.pop("review")))
    for pdf in (baclofen_pdf, without_review):
        pages = page_texts(pdf)
        assert len(pages) > 1
        assert all(DRAFT_NOTICE in text for text in pages)


def test_draft_notice_is_bold_and_above_the_text_on_each_page(baclofen_pdf):
    runs = text_runs(baclofen_pdf)
    for page in sorted({run.page for run in runs}):
        on_page = [run for run in runs if run.page == page]
        notice = [run for run in on_page if "DRAFT" in run.text]
        assert notice and all("Bold" in run.font for run in notice)
        body = [run for run in on_page if run not in notice and "Page " not in run.text]
        assert min(run.y for run in notice) > max(run.y for run in body) + 10


def test_a_template_set_that_would_hide_a_draft_is_refused(tmp_path, capsys):
    folder = tmp_path / "no-notice"
    shutil.copytree(ROOT / "templates" / "default", folder)
    main_template = folder / "leaflet.xml.j2"
    text = main_template.read_text("utf-8")
    start, end = text.index("{% block draft_notice %}"), text.index("{% endblock %}")
    main_template.write_text(text[:start] + "{% block draft_notice %}" + text[end:], "utf-8")
    output = tmp_path / "out.pdf"
    assert main(["build", str(BACLOFEN), "--template", str(folder), "-o", str(output)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"error: {folder / 'leaflet.xml.j2'}: the content is not approved, but the template "
        "set prints no draft notice: give unapproved content a <header> (see the draft_notice "
        "block of the default set)"]
    assert not output.exists()


def test_approved_content_has_no_draft_notice(write_content, check, tmp_path, capsys):
    path = write_content(approve)
    code, out, _ = check(path)
    assert out[0] == f"{path} (template set 'default'; approved)"
    assert code == 0, out
    output = tmp_path / "approved.pdf"
    assert main(["build", str(path), "-o", str(output)]) == 0
    assert capsys.readouterr().err == ""  # approved content has nothing left to warn about
    pages = page_texts(output.read_bytes())
    assert pages and not any("DRAFT" in text for text in pages)


def test_approved_content_may_not_keep_placeholders(write_content, checker):
    def change(data):
        approve(data)
        data["sections"]["other_information"]["appearance"] = ["[Pack sizes]"]

    path = write_content(change)
    line = line_of(path, "[Pack sizes]")
    assert findings_of(checker.check(path), "completeness") == [
        f"error: {path}:{line}: sections.other_information.appearance[0]: placeholder left in "
        "approved content: [Pack sizes]"]


@pytest.mark.parametrize(("review", "message"), [
    ({"status": "approved"}, "review: approved content must name who approved it (reviewer)"),
    ({"status": "approved", "reviewer": "[name]", "date": "2026-01-02"},
     "review.reviewer: approved content must name who approved it (reviewer)"),
    ({"status": "approved", "reviewer": "A. Example", "date": "2099-01-02"},
     "review.date: the approval date 2099-01-02 is in the future"),
])
def test_approval_needs_a_reviewer_and_a_date(write_content, checker, review, message):
    def change(data):
        approve(data, on=date(2026, 1, 1))
        data["review"] = {**review, **({"date": review["date"]} if "date" in review else
                                       {"date": "2026-01-02"})}

    errors = [f"{f.key}: {f.message}" for f in checker.check(write_content(change)).findings
              if f.severity is Severity.ERROR]
    assert errors == [message]


def test_approved_content_needs_a_real_revision_date(write_content, checker):
    def change(data):
        approve(data)
        data["leaflet"]["revision_date"] = "[month and year]"

    path = write_content(change)
    line = line_of(path, "revision_date:")
    errors = [f"{f}" for f in checker.check(path).findings if f.severity is Severity.ERROR]
    assert errors == [f"{path}:{line}: leaflet.revision_date: has only placeholders: write the "
                      "date the leaflet was last revised"]


def test_approval_before_the_revision_needs_approving_again(write_content, checker):
    def change(data):
        approve(data, on=date(2026, 3, 2))
        data["leaflet"]["revision_date"] = "2026-05"

    errors = [f.message for f in checker.check(write_content(change)).findings
              if f.severity is Severity.ERROR]
    assert errors == ["approved on 2026-03-02, before this revision (2026-05): the revised text "
                      "needs approving"]


# severity, exit codes, build


def test_build_prints_warnings_and_still_builds(tmp_path, capsys):
    output = tmp_path / "baclofen.pdf"
    assert main(["build", str(BACLOFEN), "-o", str(output)]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert len(err) == 11 and all(line.startswith("warning: ") for line in err)
    assert f"warning: {BACLOFEN}:10: leaflet.author: placeholder to fill in before approval: " \
           "[name of the company or pharmacy that issues this leaflet]" in err
    assert captured.out.startswith(f"wrote {output} (")


def test_build_strict_stops_on_warnings(tmp_path, capsys):
    output = tmp_path / "baclofen.pdf"
    output.write_bytes(b"%PDF an earlier leaflet")
    assert main(["build", str(BACLOFEN), "-o", str(output), "--strict"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 11 and all(line.startswith("error: ") for line in err)
    assert output.read_bytes() == b"%PDF an earlier leaflet"


def test_json_output_follows_its_schema(write_content, check):
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    failing = write_content(lambda d: d["leaflet"].update(revision_date="2099-05"))
    broken = failing.with_name("broken.yaml")
    broken.write_text("medicine: {}\n", "utf-8")
    code, out, _ = check(BACLOFEN, failing, broken, "--format", "json", "--strict")
    assert code == 1
    document = json.loads("\n".join(out))
    jsonschema.validate(document, schema)
    assert document["strict"] is True and document["passed"] is False
    assert [f["review_status"] for f in document["files"]] == ["draft", "draft", None]
    assert {f["rule"] for f in document["files"][1]["findings"]} >= {"review", "completeness"}
    document["files"][0]["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_schema_names_every_rule_and_severity():
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    finding = schema["$defs"]["finding"]["properties"]
    assert finding["rule"]["enum"] == list(RULES)
    assert finding["severity"]["enum"] == [s.value for s in Severity]


def test_check_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", str(BACLOFEN), "--format", "xml"])
    assert exc.value.code == 2
    assert "invalid choice: 'xml'" in capsys.readouterr().err


def test_same_content_same_report(checker, baclofen_report):
    again = checker.check(BACLOFEN)
    assert again == baclofen_report
    assert yaml.safe_load(BACLOFEN.read_text("utf-8"))["review"]["reviewer"].startswith("[")


def test_the_published_content_schema_knows_the_review_block(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    data = yaml.safe_load(BACLOFEN.read_text("utf-8"))
    jsonschema.validate(data, schema)
    data["review"] = {"status": "signed", "reviewer": "x"}
    with pytest.raises(jsonschema.ValidationError, match="'signed' is not one of"):
        jsonschema.validate(data, schema)


# language


def test_wording_nobody_reviewed_is_warned_of_once_at_its_language(write_content, checker):
    """The Spanish catalogue is not yet reviewed by a native speaker: check says so."""
    path = write_content(lambda d: d["leaflet"].update(language="es-ES"))
    line = line_of(path, "language:")
    assert findings_of(checker.check(path), "language") == [
        f"warning: {path}:{line}: leaflet.language: fixed wording in Spanish not yet reviewed "
        "by a native speaker"]


def test_english_of_any_region_is_not_warned_of(write_content, checker):
    for language in ("en", "en-US", "EN-gb"):
        path = write_content(lambda d, tag=language: d["leaflet"].update(language=tag))
        assert findings_of(checker.check(path), "language") == []


def test_a_language_without_wording_is_an_error_naming_it_and_the_set(write_content, checker):
    path = write_content(lambda d: d["leaflet"].update(language="fi-FI"))
    line = line_of(path, "language:")
    [finding] = findings_of(checker.check(path), "language")
    assert finding.startswith(f"error: {path}:{line}: leaflet.language: template set 'default' "
                              "has no fixed wording in Finnish ('fi-FI'); it has: ")


def test_build_says_so_once(write_content, tmp_path, capsys):
    from leaflet.cli import main

    path = write_content(lambda d: d["leaflet"].update(language="es"))
    assert main(["build", str(path), "-o", str(tmp_path / "out.pdf")]) == 0
    err = capsys.readouterr().err
    assert err.count("fixed wording in Spanish not yet reviewed by a native speaker") == 1
