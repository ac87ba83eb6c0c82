"""Review status and dates: who signed the content off, and whether its revision date is
believable.

Content without a review block, or with status 'draft', still builds, but every page of
the PDF says it is a draft (the template set words the notice). Approval is a claim that a
named person checked this text, so it must name them and a date, and it cannot leave
anything unfinished: see ``completeness`` for placeholders.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from leaflet.check.findings import Finding, Located
from leaflet.check.texts import PLACEHOLDER_RE
from leaflet.sources.content import Content

_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")
DAYS_PER_YEAR = 365.25


def parse_date(text: str) -> tuple[date, bool] | None:
    """'2026-05' -> (1 May 2026, False), '2026-05-14' -> (14 May 2026, True); None if it is
    not a date at all; ValueError if it looks like one but is not real ('2026-13')."""
    match = _DATE.fullmatch(text.strip())
    if not match:
        return None
    year, month, day = match.groups()
    return date(int(year), int(month), int(day or 1)), day is not None


def _later_than(value: date, exact: bool, today: date) -> bool:
    """A month ('2026-05') is in the future only once the whole month is."""
    if exact:
        return value > today
    return (value.year, value.month) > (today.year, today.month)


def _years_before(today: date, years: float) -> date:
    return today - timedelta(days=round(DAYS_PER_YEAR * years))


def check_revision_date(content: Content, today: date, max_age_years: float) -> list[Finding]:
    at = Located(content.name, content.lines, "review")
    key = "leaflet.revision_date"
    text = content.data["leaflet"]["revision_date"].strip()
    if PLACEHOLDER_RE.fullmatch(text):
        return []  # a placeholder is unfinished text: completeness reports it
    try:
        parsed = parse_date(text)
    except ValueError:
        return [at.error(key, f"{text!r} is not a real date")]
    assert parsed is not None  # the content format allows only dates and placeholders
    value, exact = parsed
    if _later_than(value, exact, today):
        return [at.error(key, f"the revision date {text} is in the future")]
    if value < _years_before(today, max_age_years):
        return [at.warning(key, f"the revision date {text} is more than {max_age_years:g} "
                                f"years ago: review the leaflet and update the date")]
    return []


def check_review(content: Content, today: date) -> list[Finding]:
    at = Located(content.name, content.lines, "review")
    review = content.data.get("review")
    if review is None:
        return [at.note(None, "no review block: the content counts as a draft and every page "
                              "says it is not approved for patients")]
    if not content.approved:
        return [at.note("review.status", "draft: every page says it is not approved for "
                                         "patients")]
    findings = []
    reviewer = review.get("reviewer", "").strip()
    if not reviewer or PLACEHOLDER_RE.search(reviewer):
        findings.append(at.error("review.reviewer" if reviewer else "review",
                                 "approved content must name who approved it (reviewer)"))
    findings += _approval_date(at, content, review.get("date", "").strip(), today)
    return findings


def _approval_date(at: Located, content: Content, text: str, today: date) -> list[Finding]:
    key = "review.date" if text else "review"
    if not text or PLACEHOLDER_RE.search(text):
        return [at.error(key, "approved content must say when it was approved (date)")]
    try:
        parsed = parse_date(text)
    except ValueError:
        return [at.error(key, f"{text!r} is not a real date")]
    assert parsed is not None
    approved_on = parsed[0]
    if approved_on > today:
        return [at.error(key, f"the approval date {text} is in the future")]
    try:
        revision = parse_date(content.data["leaflet"]["revision_date"])
    except ValueError:
        return []
    if revision and (approved_on.year, approved_on.month) < (revision[0].year,
                                                             revision[0].month):
        revised = content.data["leaflet"]["revision_date"].strip()
        return [at.error(key, f"approved on {text}, before this revision ({revised}): the "
                              f"revised text needs approving")]
    return []
