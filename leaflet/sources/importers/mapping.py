"""Which of our places a source heading names: by its code first (EMA QRD heading codes,
LOINC section codes), then by its wording in English, Norwegian, Spanish, Danish and
Finnish (QRD) or as US patient leaflets put it.

A target is a place in our format, named as placing.py routes it ("do_not_take",
"about", ...). Real files code every section with the document type, or code a
heading wrongly, or repeat the heading inside the text, so wording decides when a code
says nothing or disagrees (placing reports the disagreement). The wordings are facts of
the QRD template and 21 CFR 208.20 and 201.66, not leaflet text; NAME stands for the
medicine's name (or its active substance) and whatever follows it ("Madeupol 200 mg
comprimidos").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from leaflet.sources.importers.model import Code

# EMA SPOR list 200000029659, the package-leaflet headings (QRD template).
QRD_CODES = {
    "200000029894": "opening", "200000029895": "about", "200000029896": "before_taking",
    "200000029897": "do_not_take", "200000029898": "talk_to_doctor",
    "200000029899": "children", "200000029900": "other_medicines",
    "200000029901": "food_and_alcohol", "200000029902": "pregnancy",
    "200000029903": "driving", "200000029904": "before_contains", "200000029905": "dosing",
    "200000029906": "children", "200000029907": "overdose", "200000029908": "missed_dose",
    "200000029909": "stopping", "200000029910": "side_effects",
    "200000029911": "side_effects", "200000029912": "reporting", "200000029913": "storage",
    "200000029914": "other_information", "200000029915": "contains",
    "200000029916": "appearance", "200000029917": "holder", "200000029918": "holder",
    "200000029919": "revision", "200000029920": "contact",
    "200000029921": "professionals",
}
# The Gravitate Health examples' own codes for the opening box and the contents list.
GRAVITATE_CODES = {"rules": "read_first", "toc": "contents"}
# LOINC: the patient sections of an SPL and the sections of a Drug Facts label.
LOINC_CODES = {
    "42230-3": "opening", "42231-1": "opening", "59845-8": "extra",
    "55106-9": "contains", "55105-1": "about", "34067-9": "used_for",
    "34071-1": "before_taking", "50570-1": "do_not_take", "50569-3": "talk_to_doctor",
    "50568-5": "other_medicines", "50567-7": "extra", "50566-9": "extra",
    "50565-1": "overdose", "53414-9": "pregnancy", "34068-7": "dosing",
    "51727-6": "contains", "53413-1": "contact", "44425-7": "storage",
    "60561-8": "extra", "34066-1": "extra",
}
LOINC_SYSTEM = "2.16.840.1.113883.6.1"
QRD_SYSTEM = "spor.ema.europa.eu/v1/lists/200000029659"
GRAVITATE_SYSTEM = "gravitatehealth.eu/section"

N = "NAME"
# (target, language, wording); a wording must match a whole title, after numbering and a
# final ':' or '.' are taken off and case and spaces are ignored.
TITLES: tuple[tuple[str, str, str], ...] = (
    # English: the QRD template
    ("opening", "en", r"(b\. )?package leaflet(: information for the (user|patient))?"),
    ("contents", "en", r"what is in this leaflet|contents of this leaflet"),
    ("about", "en", rf"what {N} (is|are) and what (it|they) (is|are) used for"),
    ("before_taking", "en", rf"what you need to know before you (take|use|are given) {N}"),
    ("do_not_take", "en", rf"do not (take|use) {N}|you must not be given {N}"),
    ("talk_to_doctor", "en", r"warnings? and precautions?"),
    ("children", "en", r"(use in )?children( and adolescents)?"),
    ("other_medicines", "en", rf"other medicines and {N}"),
    ("food_and_alcohol", "en", rf"{N} with (food|drink|alcohol)(,? (and )?(food|drink|alcohol))*"),
    ("pregnancy", "en", r"pregnancy,? (and )?breast-?feeding( and fertility)?"),
    ("driving", "en", r"driving and using machines"),
    ("before_contains", "en", rf"{N} contains? .*"),
    ("dosing", "en", rf"how to (take|use) {N}|how {N} is given"),
    ("overdose", "en", rf"if you (take|use) more {N} than you should|if you are given more "
                       rf"{N} than you should"),
    ("missed_dose", "en", rf"if you forget to (take|use) {N}"),
    ("stopping", "en", rf"if you stop (taking|using) {N}"),
    ("side_effects", "en", r"possible side effects"),
    ("reporting", "en", r"reporting of side effects"),
    ("storage", "en", rf"how to store {N}"),
    ("other_information", "en", r"contents of the pack and other information"),
    ("contains", "en", rf"what {N} contains"),
    ("appearance", "en", rf"what {N} looks? like and contents of the pack"),
    ("holder", "en", r"marketing authori[sz]ation holder( and manufacturer)?"),
    ("manufacturer", "en", r"manufacturer"),
    ("revision", "en", r"this leaflet was last revised in( .*)?"),
    ("contact", "en", r"other sources of information"),
    ("professionals", "en", r"the following information is intended for (medical or )?"
                            r"healthcare professionals only"),
    # English: US patient information, Medication Guides (21 CFR 208.20)
    ("opening", "en", r"patient information|medication guide|patient package insert"),
    ("key_information", "en", rf"what is the most important information i should know "
                              rf"about {N}\??"),
    ("about", "en", rf"what is {N}\??"),
    ("do_not_take", "en", rf"who should not (take|use) {N}\??"),
    ("talk_to_doctor", "en", rf"what should i tell my (doctor|healthcare provider) before "
                             rf"(taking|using|starting) {N}\??|before you (start|take|use) {N}"),
    ("dosing", "en", rf"how should i (take|use) {N}\??"),
    ("extra", "en", rf"what should i avoid while (taking|using) {N}\??|instructions for use"),
    ("side_effects", "en", rf"what are the possible side effects of {N}\??"),
    ("storage", "en", rf"how (should|do) i store {N}\??"),
    ("contact", "en", rf"general information about (the safe and effective use of )?{N}"),
    ("contains", "en", rf"what are the ingredients in {N}\??"),
    # English: US Drug Facts (21 CFR 201.66); a heading that says more than ours ('...
    # if the child has', 'Stop use and ...') is not here, so it stays text
    ("contains", "en", r"active ingredients?( \(in each [^)]*\))?|inactive ingredients"),
    ("about", "en", r"purposes?"),
    ("used_for", "en", r"uses?"),
    ("before_taking", "en", r"warnings?"),
    ("do_not_take", "en", r"do not use"),
    ("talk_to_doctor", "en", r"ask a doctor before use if you have"),
    ("other_medicines", "en", r"ask a doctor or pharmacist before use if you are( taking)?"),
    ("extra", "en", r"when using this product|stop use and ask a doctor if|other information"),
    ("dosing", "en", r"directions"),
    ("contact", "en", r"questions( or comments)?\??"),
    # Norwegian (QRD-HEADINGS.md)
    ("opening", "no", r"pakningsvedlegg: informasjon til (brukeren|pasienten)"),
    ("contents", "no", r"i dette pakningsvedlegget finner du informasjon om"),
    ("about", "no", rf"hva {N} er og hva det brukes mot"),
    ("before_taking", "no", rf"hva du må vite før du (bruker|tar|får) {N}"),
    ("do_not_take", "no", rf"bruk ikke {N}|du må ikke (bruke|ta|få) {N}"),
    ("talk_to_doctor", "no", r"advarsler og forsiktighetsregler"),
    ("children", "no", r"barn og ungdom"),
    ("other_medicines", "no", rf"andre legemidler og {N}"),
    ("food_and_alcohol", "no", rf"inntak av {N} sammen med mat(,| og) drikke( og alkohol)?"),
    ("pregnancy", "no", r"graviditet(,| og) amming( og fertilitet)?"),
    ("driving", "no", r"kjøring og bruk av maskiner"),
    ("before_contains", "no", rf"{N} inneholder .*"),
    ("dosing", "no", rf"hvordan (du bruker {N}|{N} (gis|brukes))"),
    ("overdose", "no", rf"dersom du (tar|bruker|får) for mye (av )?{N}"),
    ("missed_dose", "no", rf"dersom du har glemt å (ta|bruke) {N}"),
    ("stopping", "no", rf"dersom du avbryter behandling(en)? med {N}"),
    ("side_effects", "no", r"mulige bivirkninger"),
    ("reporting", "no", r"melding av bivirkninger"),
    ("storage", "no", rf"hvordan du oppbevarer {N}"),
    ("other_information", "no", r"innholdet i pakningen og ytterligere informasjon"),
    ("contains", "no", rf"sammensetning av {N}"),
    ("appearance", "no", rf"hvordan {N} ser ut og innholdet i pakningen"),
    ("holder", "no", r"innehaver av markedsføringstillatelsen( og tilvirker)?"),
    ("manufacturer", "no", r"tilvirker"),
    ("revision", "no", r"dette pakningsvedlegget ble sist oppdatert( .*)?"),
    ("contact", "no", r"andre informasjonskilder"),
    ("professionals", "no", r"informasjon til helsepersonell"),
    # Spanish
    ("opening", "es", r"(b\. )?prospecto(: información para el (usuario|paciente))?"),
    ("contents", "es", r"contenido del prospecto"),
    ("about", "es", rf"qué es {N} y para qué se utiliza"),
    ("before_taking", "es", rf"qué necesita saber antes de (empezar a )?(tomar|usar) {N}"),
    ("do_not_take", "es", rf"no (tome|use) {N}"),
    ("talk_to_doctor", "es", r"advertencias y precauciones"),
    ("children", "es", r"(uso en )?niños( y adolescentes)?"),
    ("other_medicines", "es", rf"otros medicamentos y {N}|(uso|toma) de {N} con otros "
                              r"medicamentos"),
    ("food_and_alcohol", "es", rf"(toma|uso) de {N} con (los )?alimentos(,| y) bebidas"
                               r"( y alcohol)?"),
    ("pregnancy", "es", r"embarazo(,| y) lactancia( y fertilidad)?"),
    ("driving", "es", r"conducción y uso de máquinas"),
    ("before_contains", "es", rf"{N} contiene .*"),
    ("dosing", "es", rf"cómo (tomar|usar) {N}"),
    ("overdose", "es", rf"si (toma|usa) más {N} del que (debe|debiera)"),
    ("missed_dose", "es", rf"si olvidó (tomar|usar) {N}"),
    ("stopping", "es", rf"si interrumpe el tratamiento con {N}"),
    ("side_effects", "es", r"posibles efectos adversos"),
    ("reporting", "es", r"comunicación de efectos adversos"),
    ("storage", "es", rf"conservación de {N}"),
    ("other_information", "es", r"contenido del envase e información adicional"),
    ("contains", "es", rf"composición de {N}"),
    ("appearance", "es", rf"aspecto (del producto|de {N}) y contenido del envase"),
    ("holder", "es", r"titular de la autorización de comercialización( y responsable de la "
                     r"fabricación)?"),
    ("manufacturer", "es", r"responsable de la fabricación"),
    ("revision", "es", r"fecha de la última revisión de este prospecto( .*)?"),
    # Danish and Finnish: the numbered headings (QRD-HEADINGS.md)
    ("opening", "da", r"indlægsseddel: information til (brugeren|patienten)"),
    ("about", "da", r"virkning og anvendelse"),
    ("before_taking", "da", rf"det skal du vide, før du begynder at (tage|bruge) {N}"),
    ("dosing", "da", rf"sådan skal du (tage|bruge) {N}"),
    ("side_effects", "da", r"bivirkninger"),
    ("storage", "da", r"opbevaring"),
    ("other_information", "da", r"pakningsstørrelser og yderligere oplysninger"),
    ("about", "fi", r"mitä valmiste on ja mihin sitä käytetään"),
    ("before_taking", "fi", r"mitä sinun on tiedettävä ennen valmisteen käyttöä"),
    ("dosing", "fi", r"miten valmistetta käytetään"),
    ("side_effects", "fi", r"mahdolliset haittavaikutukset"),
    ("storage", "fi", r"valmisteen säilyttäminen"),
    ("other_information", "fi", r"pakkauksen sisältö ja muuta tietoa"),
)

MAX_HEADING = 300  # characters; the longest QRD heading has about 100
_NUMBERING = re.compile(r"^(\d+(\.\d+)*\.?|[a-z]\.)\s+")
_TRADEMARKS = re.compile("[®™©]")


@dataclass(frozen=True)
class TitleMatch:
    target: str
    language: str


def normalise_title(title: str) -> str:
    """'2.  What you need to know before you take Madeupol:' -> 'what you need to know
    before you take madeupol'."""
    text = unicodedata.normalize("NFKC", _TRADEMARKS.sub("", title)).casefold()
    text = _NUMBERING.sub("", re.sub(r"\s+", " ", text).strip())
    return text.rstrip(" :.").replace("\u2019", "'")  # a typographic apostrophe


class Titles:
    """The title wordings compiled for one medicine: NAME is its name or its substance."""

    def __init__(self, names: tuple[str, ...]) -> None:
        known = [re.escape(normalise_title(n)) for n in names if n and normalise_title(n)]
        name = rf"(?:{'|'.join(known)})(?:[ -][^:]*?)?" if known else r"[^:]+?"
        self.patterns = tuple(
            (target, language, re.compile(pattern.replace(N, name)))
            for target, language, pattern in TITLES)

    def match(self, title: str | None) -> TitleMatch | None:
        """The place a heading names; None for text too long to be a heading, which also
        keeps a huge bold paragraph from costing the patterns' backtracking."""
        if not title or len(title) > MAX_HEADING:
            return None
        text = normalise_title(title)
        for target, language, pattern in self.patterns:
            if pattern.fullmatch(text):
                return TitleMatch(target, language)
        return None


def match_code(codes: tuple[Code, ...]) -> str | None:
    """The target a section's code names; None for a code that names none (such as the
    document type that some files give every section)."""
    for code in codes:
        system = code.system
        if QRD_SYSTEM in system or not system:
            if code.code in QRD_CODES:
                return QRD_CODES[code.code]
        elif GRAVITATE_SYSTEM in system and code.code in GRAVITATE_CODES:
            return GRAVITATE_CODES[code.code]
        elif system == LOINC_SYSTEM and code.code in LOINC_CODES:
            return LOINC_CODES[code.code]
    return None
