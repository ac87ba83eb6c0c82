"""The layout's shortcuts print exactly what ReportLab prints without them: paragraph markup
read into fragments without ReportLab's parser, fragments' styles compared without the
C sameFrag's failed lookups, a paragraph's lines broken once for a width, and the QR code
module imported only for a leaflet that has a code."""

from __future__ import annotations

import random
import re

import pytest
from conftest import BACLOFEN, ROOT, build_bytes, fresh_python
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import paragraph as rl_paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaFrag

from leaflet.build import load_fonts
from leaflet.pdf.layout import fragments as fragments_module
from leaflet.pdf.layout import pdfdoc_encoding
from leaflet.pdf.layout import subsets as subsets_module
from leaflet.pdf.layout import widths as widths_module
from leaflet.pdf.layout.fragments import fragments, paragraph_of, same_style
from leaflet.pdf.layout.marked import MarkedParagraph
from leaflet.pdf.layout.styles import Styles
from leaflet.pdf.layout.subsets import split_string
from leaflet.pdf.layout.widths import string_width
from leaflet.pdf.layout.written_against import written_against
from leaflet.render.templates import resolve_set

THEME = resolve_set("default").theme
FONTS = load_fonts(THEME)
STYLES = Styles(THEME, FONTS)
FALLBACK_BOLD = FONTS.fallback.face(True, False).name
PLACEHOLDER = '<span backColor="#fff1a6">[name of pharmacy]</span>'

# Every tag and entity the layout writes, alone, nested and beside each other, and the
# whitespace ReportLab's cleaning collapses or keeps (a no-break space changes which).
MARKUP = [
    "Plain words of a paragraph.",
    "  spaces around, a\nnew line,\n\n an   empty one  ",
    "Tom &amp; Jerry &lt;3 &gt; 2 &amp;&amp;",
    "<b>bold</b> and <i>italic <b>bold italic</b></i> and <b><i>both</i></b>",
    f"Pharmacy: {PLACEHOLDER}.",
    f"<b>Revised in {PLACEHOLDER}.</b>",
    f'<font name="{FALLBACK_BOLD}">\u26a0</font> Most important things',
    f'<b>x <font name="{FALLBACK_BOLD}">\u26a0</font></b>',
    "first line<br/>second line<br/>",
    "Take 10\u00a0mg  twice,\tthree\u2003times",
    "zero\u200bwidth and\u00a0no-break\u200b space",
    "\u5f53\u4f60\u670d\u7528 Baclofen \u65f6\u3002",
    "",
    "<b></b>",
    "  ",
]


def fields(frags: list) -> list[list[tuple]]:
    """Each fragment's fields, in order: all ReportLab reads of it."""
    return [list(vars(frag).items()) for frag in frags]


@pytest.mark.parametrize("markup", MARKUP)
@pytest.mark.parametrize("role", ["body", "h2", "footer"])
def test_fragments_are_the_ones_reportlabs_parser_makes(markup, role):
    style = STYLES[role]
    ours = paragraph_of(RLParagraph, markup, style)
    theirs = RLParagraph(markup, style)
    assert fragments(ours.text, style) is not None  # read here, not by the parser
    assert fields(ours.frags) == fields(theirs.frags)
    assert ours.text == theirs.text


def test_markup_given_uncleaned_is_markup_cleaning_would_not_change():
    """Random runs of letters, tags and every kind of white space ReportLab's cleaning
    treats apart: what is not cleaned is what cleaning would give back unchanged."""
    common = ["a", "b", "<b>", "</b>", "&amp;", " ", "\u00a0"]
    rare = ["\n", "\t", "\r", "\x0b", "\x1c", "\x85", "\u2003", "\u2028", "\u200b", "\u202f",
            "\u3000"]
    weights = [10] * len(common) + [1] * len(rare)
    chooser = random.Random(13)
    given_as_is = 0
    for _ in range(20_000):
        markup = "".join(chooser.choices(common + rare, weights, k=chooser.randint(0, 7)))
        if not fragments_module.needs_cleaning(markup):
            given_as_is += 1
            assert cleanBlockQuotedText(markup) == markup, repr(markup)
    assert given_as_is > 2_000


def test_the_white_space_cleaning_changes_is_pythons_but_the_space_and_no_break_space():
    listed = {chr(code) for code in range(0x110000)
              if fragments_module.OTHER_SPACE.fullmatch(chr(code))}
    assert listed == {chr(code) for code in range(0x110000) if chr(code).isspace()} \
        - {" ", "\u00a0"} | {"\u200b"}


@pytest.mark.parametrize("markup", [
    "<u>underlined</u>", '<a href="https://example.org">a link</a>', "a&nbsp;b",
    '<font color="red">red</font>', '<span backColor="#fff" fontSize="9">x</span>',
    "<para>a paragraph tag</para>",
])
def test_other_markup_is_left_to_reportlabs_parser(markup):
    style = STYLES["body"]
    assert fragments(markup, style) is None
    assert fields(paragraph_of(RLParagraph, markup, style).frags) == \
        fields(RLParagraph(markup, style).frags)


@pytest.mark.parametrize("markup", ["<b>never closed", "closed </b> never opened",
                                    "<b>crossed <i>tags</b></i>",
                                    '<span backColor="no such colour">x</span>'])
def test_broken_markup_fails_as_reportlab_fails_it(markup):
    assert fragments(markup, STYLES["body"]) is None
    with pytest.raises(ValueError):
        RLParagraph(markup, STYLES["body"])
    with pytest.raises(ValueError):
        paragraph_of(RLParagraph, markup, STYLES["body"])


def test_lines_are_broken_once_for_a_width_and_again_for_another(monkeypatch):
    words = "A paragraph long enough to wrap onto several lines at a narrow width. " * 4
    plain = RLParagraph(words, STYLES["body"]).wrap(300, 1000)
    broken: list[float] = []
    break_lines = RLParagraph.breakLines

    def counting(self, widths):
        broken.append(widths[0])
        return break_lines(self, widths)

    monkeypatch.setattr(RLParagraph, "breakLines", counting)
    paragraph = MarkedParagraph(words, STYLES["body"])
    wide = paragraph.wrap(300, 1000)
    assert wide == plain
    assert paragraph.wrap(300, 800) == wide
    assert len(broken) == 1
    narrow = paragraph.wrap(150, 1000)
    assert narrow[1] > wide[1]
    assert paragraph.wrap(300, 1000) == wide
    assert len(broken) == 3
    paragraph.style = STYLES["h3"]  # a new style: its lines are broken again
    assert paragraph.wrap(300, 1000)[1] > wide[1]
    assert len(broken) == 4


def test_a_split_paragraph_breaks_its_lines_again(monkeypatch):
    words = "A paragraph long enough to split across two frames. " * 12
    paragraph = MarkedParagraph(words, STYLES["body"])
    _, height = paragraph.wrap(200, 1000)
    first, rest = paragraph.split(200, height / 2)
    plain_first, plain_rest = RLParagraph(words, STYLES["body"]).split(200, height / 2)
    assert first.wrap(200, 1000) == plain_first.wrap(200, 1000)
    assert rest.wrap(200, 1000) == plain_rest.wrap(200, 1000)
    assert paragraph.split(200, 1) == []  # no room: ReportLab drops the lines ...
    assert paragraph.wrap(200, 1000) == (200, height)  # ... and they are broken anew


def test_styles_are_compared_as_the_c_samefrag_compares_them():
    """Random fragments, each holding some of the names sameFrag reads, with values that
    are equal, equal but not the same object, the same object and unequal to itself (NaN),
    or absent: our comparison and ReportLab's C one agree on every pair."""
    assert rl_paragraph.sameFrag is same_style  # installed for every paragraph
    nan, grey, listed = float("nan"), Color(0.1, 0.1, 0.1), []
    values = [None, 0, 0.0, 1, 9.5, nan, "Body", "Body-Bold", grey, Color(0.1, 0.1, 0.1),
              Color(0.2, 0.1, 0.1), listed, [], [1], True, False]
    names = ["fontName", "fontSize", "textColor", "rise", "us_lines", "link", "backColor",
             "nobr", "cbDefn", "lineBreak", "text", "bold"]
    chance = random.Random(13)

    def fragment(base: dict) -> ParaFrag:
        frag = ParaFrag.__new__(ParaFrag)
        frag.__dict__ = {name: value for name, value in base.items()
                         if chance.random() > 0.1}
        for name in chance.sample(names, 2):
            if chance.random() < 0.5:
                frag.__dict__[name] = chance.choice(values)
        return frag

    same = differ = 0
    for _ in range(4000):
        base = {name: chance.choice(values) for name in names[:8] if chance.random() < 0.9}
        f, g = fragment(base), fragment(base)
        expected = bool(fragments_module._c_same_frag(f, g))
        assert same_style(f, g) is expected, (f.__dict__, g.__dict__)
        same, differ = same + expected, differ + (not expected)
    assert same > 100 and differ > 100  # both answers were tried


class _Subclassed(ParaFrag):
    backColor = None  # a class attribute: seen by getattr, not in the fragment's dictionary


def test_fragments_of_another_class_are_compared_by_reportlab(monkeypatch):
    asked = []
    monkeypatch.setattr(fragments_module, "_c_same_frag",
                        lambda f, g: asked.append((f, g)) or 1)
    plain, subclassed = ParaFrag(fontName="Body"), _Subclassed(fontName="Body")
    assert same_style(plain, ParaFrag(fontName="Body Bold")) is False
    assert asked == []
    assert same_style(plain, subclassed) is True
    assert same_style(subclassed, plain) is True
    assert asked == [(plain, subclassed), (subclassed, plain)]


class _Document:
    """What a font keeps its subsets for: any object a weak reference can be made to."""


def _subset_state(font: TTFont, document: _Document) -> tuple:
    state = font.state[document]
    return (dict(state.assignments), [list(subset) for subset in state.subsets],
            state.nextCode, state.frozen)


@pytest.mark.parametrize("face, subsets", [
    ("atkinson-hyperlegible/AtkinsonHyperlegible_400Regular.ttf", 1),  # lacks most of them
    ("dejavu/DejaVuSans.ttf", 4)])
def test_text_is_split_into_subsets_as_reportlab_splits_it(face, subsets):
    """Runs of random text, drawn one after another into one document: runs with no new
    character, runs with some, no-break spaces, characters the face lacks, bytes, enough
    different characters to need more subsets, and then a document whose
    subsets are frozen. Our split and ReportLab's give the same chunks, and leave the
    same codes assigned, after every run."""
    assert TTFont.splitString is split_string  # installed for every TrueType font
    font = TTFont(f"subsets-{face}", str(ROOT / "fonts" / face))
    random.seed(13)
    common = "Take one tablet twice a day. 10 mg, 20\u00a0mg (not more)! "
    rare = [chr(code) for code in range(0xa0, 0x500)] + ["\u26a0", "\u8349", "\u2003"]
    ours, theirs = _Document(), _Document()
    for round_ in range(600):
        letters = [random.choice(common) for _ in range(random.randrange(0, 40))]
        if round_ % 2:  # some characters new to the document, or the face
            for character in random.sample(rare, random.randrange(1, 8)):
                letters.insert(random.randrange(len(letters) + 1), character)
        text: str | bytes = "".join(letters)
        if round_ % 97 == 5:
            text = text.encode("utf-8")
        expected = subsets_module._rl_split_string(font, text, theirs)
        assert split_string(font, text, ours) == expected, text
        assert _subset_state(font, ours) == _subset_state(font, theirs)
    assert len(font.state[ours].subsets) == subsets  # in DejaVu, codes past the first too
    font.state[ours].frozen = font.state[theirs].frozen = 1
    for text in (common, "\u8349\u7a3f new", ""):
        try:
            expected = subsets_module._rl_split_string(font, text, theirs)
        except Exception as error:
            with pytest.raises(type(error), match=re.escape(str(error))):
                split_string(font, text, ours)
        else:
            assert split_string(font, text, ours) == expected


def test_text_is_measured_as_reportlab_measures_it(monkeypatch):
    """Random words, repeated, at several sizes, in two faces (one with and one without
    most of the characters), then bytes and texts longer than a word: each measures
    exactly what ReportLab's own function gives, the first time and when asked again, and
    no more widths are kept than the bound."""
    assert TTFont.stringWidth is string_width  # installed for every TrueType font
    faces = [TTFont(f"widths-{face}", str(ROOT / "fonts" / face)) for face in (
        "atkinson-hyperlegible/AtkinsonHyperlegible_400Regular.ttf", "dejavu/DejaVuSans.ttf")]
    monkeypatch.setattr(widths_module, "MAX_KEPT", 50)
    measure = widths_module._rl_string_width
    chance = random.Random(13)
    letters = "Take one tablet twice a day. 10 mg, 20\u00a0mg \u26a0\u8349\u0644\u00e9"
    words = ["".join(chance.choices(letters, k=chance.randrange(0, 9))) for _ in range(120)]
    for _ in range(3000):
        font, word = chance.choice(faces), chance.choice(words)
        size = chance.choice([7, 9.5, 12, 12.0, 14.25])
        assert string_width(font, word, size) == measure(font, word, size), (word, size)
        assert len(widths_module._kept) <= 50
    assert string_width(faces[0], "tablet", 12) != string_width(faces[1], "tablet", 12)
    long_text = "a sentence much longer than any one word, measured afresh each time " * 3
    for text in (long_text, long_text.encode(), "caf\u00e9".encode("utf-8")):
        assert string_width(faces[0], text, 12) == measure(faces[0], text, 12)
    assert all(len(text) <= widths_module.MAX_TEXT and type(text) is str
               for _, text, _ in widths_module._kept)


def test_a_replacement_is_put_in_place_only_over_the_function_it_expects():
    def measure(font, text):
        return instanceStringWidthTTF(font, text)  # noqa: F821  (never called)

    measure.__qualname__ = "TTFont.stringWidth"
    assert written_against(measure, "TTFont.stringWidth", reads={"instanceStringWidthTTF"},
                           reads_only=True)
    assert not written_against(measure, "TTFont.splitString")
    assert not written_against(measure, "TTFont.stringWidth", reads={"assignments"})
    assert not written_against(measure, "TTFont.stringWidth", reads={"instanceStringWidthTTF"},
                               holds={"extpdfdoc"})
    assert not written_against(len, "len")  # no code to read: a C function


def test_text_is_encoded_as_reportlab_encodes_it():
    """Random texts of every ASCII character (U+0018 to U+001F, which PDFDocEncoding has no
    byte for, among them), Latin-1 and beyond, and bytes: the same bytes, or the same
    refusal, as ReportLab's own function."""
    assert pdfdoc.pdfdocEnc is pdfdoc_encoding.pdfdoc_enc  # in ReportLab's place
    chance = random.Random(13)
    letters = [chr(code) for code in range(128)] + ["\u00e9", "\u00a0", "\u2022", "\u26a0"]
    for _ in range(5000):
        text: str | bytes = "".join(chance.choices(letters, k=chance.randrange(0, 12)))
        if chance.random() < 0.05:
            text = text.encode("utf-8")
        try:
            expected = pdfdoc_encoding._rl_pdfdoc_enc(text)
        except UnicodeEncodeError:
            with pytest.raises(UnicodeEncodeError):
                pdfdoc_encoding.pdfdoc_enc(text)
        else:
            assert pdfdoc_encoding.pdfdoc_enc(text) == expected, repr(text)


def test_names_and_numbers_are_written_as_reportlab_writes_them():
    """Random names of every ASCII character (PDF's delimiters and controls among them)
    and a few beyond; numbers of every kind ReportLab writes, bools and big ones among
    them; and values that are neither."""
    assert pdfdoc.PDFName is pdfdoc_encoding.pdf_name  # in ReportLab's place
    assert pdfdoc.format is pdfdoc_encoding.format_value
    chance = random.Random(13)
    letters = [chr(code) for code in range(128)] + ["\u00e9", "\u2022"]
    for _ in range(5000):
        name = "".join(chance.choices(letters, k=chance.randrange(0, 10)))
        assert pdfdoc_encoding.pdf_name(name) == pdfdoc_encoding._rl_pdf_name(name), name
    document = pdfdoc.PDFDocument()
    values = [0, 1, -1, 527, 10**20, 2**70, 0.1, -2.5, 1e-7, -0.0, 3.14159265, float("inf"),
              float("nan"), True, False, None, "text", b"bytes", pdfdoc.PDFName("Name")]
    values += [chance.uniform(-1000, 1000) for _ in range(2000)]
    values += ["".join(chance.choices(letters, k=chance.randrange(0, 10))) for _ in range(2000)]
    values += [chance.randrange(-10**6, 10**6) for _ in range(2000)]
    edge = pdfdoc_encoding.EXACT_WHOLE
    values += [edge - 1, -edge + 1, edge, -edge, edge + 1, 10**17]
    values += [chance.randrange(-edge, edge) for _ in range(2000)]
    for value in values:
        try:
            expected = pdfdoc_encoding._rl_format(value, document)
        except (ValueError, UnicodeEncodeError) as error:  # too large for fp_str; no byte
            with pytest.raises(type(error), match=re.escape(str(error))):
                pdfdoc_encoding.format_value(value, document)
        else:
            assert pdfdoc_encoding.format_value(value, document) == expected, repr(value)


CJK_MISSING = bool(FONTS.missing("\u8349\u7a3f"))
KINDS = [
    pytest.param({}, None, id="default"),
    pytest.param({"layout": "two-column"},
                 lambda data: data["leaflet"].update(online_url="https://example.org/b?x=1&y=2"),
                 id="two-column, with a QR code"),
    pytest.param({"profile": "large"}, None, id="large print"),
    pytest.param({"template": "us-medguide"}, lambda data: data["leaflet"].update(language="es"),
                 id="Spanish, US Medication Guide"),
    pytest.param({}, lambda data: data["leaflet"].update(language="zh"), id="Chinese",
                 marks=pytest.mark.skipif(CJK_MISSING, reason="no Chinese font bundled")),
    pytest.param({"patient": BACLOFEN.parent.parent / "examples" / "patient.yaml"}, None,
                 id="patient"),
]


@pytest.mark.parametrize("options, change", KINDS)
def test_a_leaflet_is_the_same_bytes_as_without_the_shortcuts(options, change, write_content,
                                                              monkeypatch):
    path = write_content(change)
    fast = build_bytes(path, **options)
    monkeypatch.setattr(fragments_module, "fragments", lambda text, style: None)
    monkeypatch.setattr(fragments_module, "needs_cleaning", lambda markup: True)
    monkeypatch.setattr(MarkedParagraph, "wrap", RLParagraph.wrap)
    monkeypatch.setattr(rl_paragraph, "sameFrag", fragments_module._c_same_frag)
    monkeypatch.setattr(TTFont, "splitString", subsets_module._rl_split_string)
    monkeypatch.setattr(TTFont, "stringWidth", widths_module._rl_string_width)
    monkeypatch.setattr(pdfdoc, "pdfdocEnc", pdfdoc_encoding._rl_pdfdoc_enc)
    monkeypatch.setattr(pdfdoc, "PDFName", pdfdoc_encoding._rl_pdf_name)
    monkeypatch.setattr(pdfdoc, "format", pdfdoc_encoding._rl_format)
    assert build_bytes(path, **options) == fast


@pytest.mark.parametrize("url, imported", [(None, False), ("https://example.org/b", True)])
def test_the_qr_code_module_is_imported_only_for_a_leaflet_with_a_code(
        url, imported, write_content):
    """Imported before the build forks the child that lays out, so that a batch's builds
    do not each import it again; never for a leaflet without an address."""
    path = write_content(lambda data: data["leaflet"].update(online_url=url) if url else None)
    script = ("import sys; from leaflet.build import build_pdf; "
              f"pdf = build_pdf({str(path)!r}).pdf; "
              "print(pdf.startswith(b'%PDF-'), 'reportlab.graphics.barcode.qr' in sys.modules)")
    assert fresh_python(script).strip().splitlines()[-1] == f"True {imported}"
