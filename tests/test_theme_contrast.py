"""A theme's colours keep WCAG 2.x contrast: text 4.5:1 on the page and on every fill it
can sit on, rules and box borders 3:1 on the page. A theme that breaks it does not
build, one line per pair, naming where the colour to change was set."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BACLOFEN

from leaflet.cli import main
from leaflet.errors import UsageError
from leaflet.render import contrast
from leaflet.render.contrast import contrast_ratio, failing_pairs, format_ratio
from leaflet.render.profiles import layouts, print_settings, profiles
from leaflet.render.templates import builtin_sets, resolve_set

FILLS = ("important_background", "urgent_background", "table_header_background",
         "placeholder_background")
LINES = ("rule", "important_border", "urgent_border", "table_border")


@pytest.fixture
def build(tmp_path, monkeypatch, capsys):
    """Write theme files into folders of ``tmp_path``, run `leaflet build` with the first
    as the template there; the exit code and the error lines."""
    monkeypatch.chdir(tmp_path)

    def run(**themes: str) -> tuple[int, list[str]]:
        for folder, text in themes.items():
            (tmp_path / folder).mkdir(exist_ok=True)
            (tmp_path / folder / "theme.yaml").write_text(text, "utf-8")
        template = next(iter(themes))
        code = main(["build", str(BACLOFEN), "--template", template, "-o", "out.pdf"])
        errors = [line for line in capsys.readouterr().err.splitlines()
                  if line.startswith("error:")]
        return code, errors

    return run


# the arithmetic


@pytest.mark.parametrize(("first", "second", "ratio"), [
    ("#000000", "#ffffff", 21.0),
    ("#ffffff", "#000000", 21.0),
    ("#777777", "#777777", 1.0),
    ("#767676", "#ffffff", 4.54),   # the lightest grey that passes on white
    ("#777777", "#ffffff", 4.48),   # one step lighter fails
    ("#0000ff", "#ffffff", 8.59),
    ("#ff0000", "#ffffff", 4.0),
])
def test_contrast_ratio_is_wcag_2(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.005)


@pytest.mark.parametrize(("ratio", "minimum", "shown"), [
    (1.358, 4.5, "1.4:1"),
    (4.478, 4.5, "4.48:1"),          # not '4.5:1': it failed
    (4.4999996, 4.5, "4.49:1"),
    (2.9785, 3.0, "2.98:1"),
    (2.9999998, 3.0, "2.99:1"),
    (13.0434, 4.5, "13.0:1"),
])
def test_a_failing_ratio_is_never_shown_rounded_up_to_its_minimum(ratio, minimum, shown):
    assert format_ratio(ratio, minimum) == shown


def test_exactly_the_minimum_passes(monkeypatch):
    colours = dict(resolve_set("default").theme.values["colours"])
    monkeypatch.setattr(contrast, "contrast_ratio", lambda a, b: 4.5 if a in (
        colours["text"], colours["heading"]) else 3.0)
    assert failing_pairs(colours) == []
    monkeypatch.setattr(contrast, "contrast_ratio", lambda a, b: 2.999999)
    assert len(failing_pairs(colours)) == len(contrast.PAIRS)


# failing pairs, through `leaflet build`


def test_pale_text_fails_on_the_page_and_in_every_box(build):
    code, errors = build(**{"my-clinic": 'extends: default\ncolours:\n  text: "#777777"\n'})
    assert code == 1
    assert errors == [
        'error: my-clinic/theme.yaml:3: colours.text: "#777777" on the page (#ffffff) has '
        "contrast 4.48:1; text needs at least 4.5:1",
        'error: my-clinic/theme.yaml:3: colours.text: "#777777" on important boxes '
        "(colours.important_background #eef3f9) has contrast 4.0:1; text needs at least 4.5:1",
        'error: my-clinic/theme.yaml:3: colours.text: "#777777" on urgent boxes and the '
        "running header (colours.urgent_background #f3d9d9) has contrast 3.4:1; text needs "
        "at least 4.5:1",
        'error: my-clinic/theme.yaml:3: colours.text: "#777777" on table header rows '
        "(colours.table_header_background #e3ebf3) has contrast 3.7:1; text needs at least "
        "4.5:1",
        'error: my-clinic/theme.yaml:3: colours.text: "#777777" on highlighted [placeholders] '
        "(colours.placeholder_background #fff1a6) has contrast 3.9:1; text needs at least "
        "4.5:1",
    ]


def test_near_invisible_text_is_refused(build):
    code, errors = build(**{"my-clinic": 'extends: default\ncolours:\n  text: "#dddddd"\n'})
    assert code == 1
    assert errors[0] == ('error: my-clinic/theme.yaml:3: colours.text: "#dddddd" on the page '
                         "(#ffffff) has contrast 1.4:1; text needs at least 4.5:1")
    assert len(errors) == 5


def test_a_pale_heading_is_text_too(build):
    code, errors = build(**{"my-clinic": 'extends: default\ncolours:\n  heading: "#6c7b67"\n'
                                         '  important_background: "#ffffff"\n'
                                         '  urgent_background: "#ffffff"\n'
                                         '  table_header_background: "#ffffff"\n'
                                         '  placeholder_background: "#ffffff"\n'})
    assert code == 1
    # 4.4999996:1 against every background; the heading, set in the same file as the
    # fills, is the colour named.
    assert errors == [
        'error: my-clinic/theme.yaml:3: colours.heading: "#6c7b67" on the page (#ffffff) has '
        "contrast 4.49:1; text needs at least 4.5:1",
        *(f'error: my-clinic/theme.yaml:3: colours.heading: "#6c7b67" on {where} '
          f"(colours.{fill} #ffffff) has contrast 4.49:1; text needs at least 4.5:1"
          for fill, where in contrast.FILLS.items()),
    ]


@pytest.mark.parametrize(("fill", "where"), list(contrast.FILLS.items()))
def test_a_dark_fill_fails_under_both_text_colours(build, fill, where):
    code, errors = build(**{"my-clinic": f'extends: default\ncolours:\n  {fill}: "#707070"\n'})
    assert code == 1
    assert errors == [
        f'error: my-clinic/theme.yaml:3: colours.{fill}: "#707070" behind colours.text '
        f"(#1a1a1a) in {where} has contrast 3.5:1; text needs at least 4.5:1",
        f'error: my-clinic/theme.yaml:3: colours.{fill}: "#707070" behind colours.heading '
        f"(#0b3a66) in {where} has contrast 2.3:1; text needs at least 4.5:1",
    ]


def test_the_draft_notice_box_is_the_urgent_fill(build):
    """The running header (the draft notice) is drawn in the urgent box style."""
    _, errors = build(**{"my-clinic": 'extends: default\ncolours:\n'
                                      '  urgent_background: "#707070"\n'})
    assert all("urgent boxes and the running header" in line for line in errors)


@pytest.mark.parametrize("line", LINES)
def test_a_faint_rule_or_border_fails_on_the_page(build, line):
    code, errors = build(**{"my-clinic": f'extends: default\ncolours:\n  {line}: "#cccccc"\n'})
    assert code == 1
    assert errors == [
        f'error: my-clinic/theme.yaml:3: colours.{line}: "#cccccc" on the page (#ffffff) has '
        "contrast 1.6:1; rules and borders need at least 3:1",
    ]


def test_borders_need_3_to_1_not_4_5(build):
    code, errors = build(**{"my-clinic": 'extends: default\ncolours:\n  rule: "#949494"\n'
                                         '  table_border: "#949494"\n'})
    assert contrast_ratio("#949494", "#ffffff") == pytest.approx(3.03, abs=0.005)
    assert (code, errors) == (0, [])
    assert Path("out.pdf").stat().st_size > 10_000


# inherited colours


def test_a_child_is_checked_on_the_merged_theme_and_told_about_its_own_line(build):
    """The parent's text passes on the parent's fills; the grandchild darkens one fill.
    The line names the grandchild's fill, not the parent's text."""
    code, errors = build(
        child=f"extends: {Path('parent').resolve()}\ndescription: mine\ncolours:\n"
              '  urgent_background: "#c8c8c8"\n',
        parent='extends: default\ncolours:\n  text: "#595959"\n')
    assert code == 1
    assert errors == [
        'error: child/theme.yaml:4: colours.urgent_background: "#c8c8c8" behind colours.text '
        "(#595959) in urgent boxes and the running header has contrast 4.2:1; text needs at "
        "least 4.5:1",
    ]


def test_a_child_text_colour_is_named_against_an_inherited_fill(build):
    parent = Path("parent").resolve()
    code, errors = build(
        child=f'extends: {parent}\ncolours:\n  text: "#595959"\n',
        parent='extends: default\ncolours:\n  urgent_background: "#c8c8c8"\n')
    assert code == 1
    assert errors == [
        'error: child/theme.yaml:3: colours.text: "#595959" on urgent boxes and the running '
        "header (colours.urgent_background #c8c8c8) has contrast 4.2:1; text needs at least "
        "4.5:1",
    ]


def test_colours_a_layout_or_profile_changes_are_checked_too_each_pair_once(build, tmp_path):
    folder = tmp_path / "my-clinic"
    folder.mkdir()
    (folder / "layouts.yaml").write_text(
        "standard:\n  description: one column\n  theme:\n    colours:\n"
        "      urgent_background: '#707070'\n", "utf-8")
    (folder / "profiles.yaml").write_text(
        "eu:\n  description: EU\n  minimum_size: 9\n  minimum_line_spacing_mm: 3\n"
        "  theme:\n    colours:\n      table_header_background: '#707070'\n", "utf-8")
    code, errors = build(**{"my-clinic": "extends: default\n"})
    assert code == 1
    # named as profiles.py names them (resolved, no line: the keys sit under a profile)
    layouts_file, profiles_file = (folder.resolve() / name
                                   for name in ("layouts.yaml", "profiles.yaml"))
    assert errors == [
        f'error: {layouts_file}: colours.urgent_background: "#707070" behind colours.{text} '
        f"in urgent boxes and the running header has contrast {ratio}; text needs at least "
        "4.5:1" for text, ratio in (("text (#1a1a1a)", "3.5:1"), ("heading (#0b3a66)", "2.3:1"))
    ] + [
        f'error: {profiles_file}: colours.table_header_background: "#707070" behind '
        f"colours.{text} in table header rows has contrast {ratio}; text needs at least 4.5:1"
        for text, ratio in (("text (#1a1a1a)", "3.5:1"), ("heading (#0b3a66)", "2.3:1"))
    ]


# passing themes


def test_a_borderline_theme_builds(build):
    """4.5000006:1, text and headings on every background: passes."""
    fills = "".join(f'  {fill}: "#ffffff"\n' for fill in FILLS)
    assert contrast_ratio("#7c7290", "#ffffff") >= 4.5
    code, errors = build(**{"my-clinic": 'extends: default\ncolours:\n  text: "#7c7290"\n'
                                         f'  heading: "#7c7290"\n{fills}'})
    assert (code, errors) == (0, [])


@pytest.mark.parametrize("name", builtin_sets())
def test_the_built_in_sets_pass_in_every_layout_and_profile(name):
    template_set = resolve_set(name)
    assert failing_pairs(template_set.theme.values["colours"]) == []
    for layout in layouts(template_set):
        for profile in profiles(template_set):
            try:
                settings = print_settings(template_set, layout, profile)
            except UsageError:  # a combination refused for its page, not its colours
                continue
            assert failing_pairs(settings.theme.values["colours"]) == []
