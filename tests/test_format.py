"""The content format fits medicines other than baclofen: one that can simply be stopped,
tablets that must be swallowed whole, a draft whose dose table a person has still to write,
sections of one's own read as a template author writes them."""

from __future__ import annotations

import html
import re

import pytest
from conftest import BACLOFEN

from leaflet.check import Checker
from leaflet.render import render_markup, resolve_set
from leaflet.sources import load_content

SETS = ("default", "us-medguide")


def plain(markup: str) -> str:
    """The words of the markup, tags and template origins left out."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


@pytest.fixture(scope="module")
def checker():
    import datetime

    return Checker(resolve_set("default"), datetime.date.today(), readability=False)


def no_withdrawal(data: dict) -> None:
    data["sections"]["stopping"] = {"advice": [
        "You can stop taking it when your doctor says your treatment is over."]}


@pytest.mark.parametrize("template", SETS)
def test_a_medicine_that_can_simply_be_stopped_says_nothing_of_tapering(write_content,
                                                                        template):
    content = load_content(write_content(no_withdrawal))
    text = plain(render_markup(content, resolve_set(template)))
    assert "If you stop taking Baclofen You can stop taking it when your doctor says" in text
    assert "too quickly" not in text
    assert "stop taking Baclofen suddenly" not in text


@pytest.mark.parametrize(("template", "heading"), [
    ("default", "If you stop taking Baclofen"),
    ("us-medguide", "Do not stop taking Baclofen suddenly"),
])
def test_withdrawal_signs_keep_their_lead_in(template, heading):
    text = plain(render_markup(load_content(BACLOFEN), resolve_set(template)))
    assert f"{heading} Do not stop taking baclofen suddenly." in text
    assert ("Signs of stopping too quickly include: seeing or hearing things that are not "
            "there (hallucinations)") in text


def test_completeness_asks_for_stopping_advice_not_withdrawal_signs(write_content, checker):
    report = checker.check(write_content(no_withdrawal))
    assert report.passed
    assert [f for f in report.findings if f.key and "stopping" in f.key] == []
