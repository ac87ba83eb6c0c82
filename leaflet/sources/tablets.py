"""How many tablets make a dose, and whether a tablet may be split in half.

A prolonged-release or coated tablet must be swallowed whole: "1 and a half tablets" on a
patient's page would have it broken. And a dose that is not a whole number of tablets (or
of halves) cannot be taken as written. Patient pages word counts from here, and the
patient and dose checks refuse doses that do not fit, so all read a tablet the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from leaflet.sources.schema import Dose

SPLITTING = ("whole", "halves")  # the first is what `leaflet new` writes: the safe one
DEFAULT_SPLITTING = "halves"  # content written before the key existed (baclofen) is scored
_STRENGTH = re.compile(r"(\d+(?:\.\d+)?) (\S+)")
_IN_MICROGRAMS = {"micrograms": Decimal(1), "mg": Decimal(1000), "g": Decimal(1_000_000)}
HALF = Decimal("0.5")


@dataclass(frozen=True)
class Tablet:
    """One tablet of the medicine: its strength, and whether it may be halved."""

    strength: Dose
    halves: bool

    @property
    def smallest(self) -> Decimal:
        """The smallest part of a tablet a patient may take."""
        return HALF if self.halves else Decimal(1)


def tablet_of(medicine: dict[str, Any]) -> Tablet | None:
    """The tablet doses are counted in; None unless the form is tablets and the strength
    reads as one amount ('10 mg', not '500 mg/5 ml')."""
    match = _STRENGTH.fullmatch((medicine.get("strength") or "").strip())
    if "tablet" not in medicine["form"].lower() or not match or Decimal(match.group(1)) == 0:
        return None
    halves = medicine.get("splitting", DEFAULT_SPLITTING) == "halves"
    return Tablet(Dose(Decimal(match.group(1)), match.group(2)), halves)


def tablets_in(dose: Dose, tablet: Tablet) -> Decimal | None:
    """How many tablets make ``dose`` (mg, g and micrograms converted); None when the units
    cannot be compared."""
    if dose.unit == tablet.strength.unit:
        return dose.amount / tablet.strength.amount
    if dose.unit in _IN_MICROGRAMS and tablet.strength.unit in _IN_MICROGRAMS:
        return (dose.amount * _IN_MICROGRAMS[dose.unit]
                / (tablet.strength.amount * _IN_MICROGRAMS[tablet.strength.unit]))
    return None


def tablet_halves(dose: Dose, tablet: Tablet) -> int | None:
    """The dose in half tablets (always even for a tablet swallowed whole), or None when
    it is not made of parts the patient may take."""
    count = tablets_in(dose, tablet)
    if count is None or count <= 0 or count % tablet.smallest:
        return None
    return int(count * 2)


def misfit(dose: Dose, tablet: Tablet) -> str | None:
    """Why ``dose`` cannot be taken as tablets, worded for a message; None if it can."""
    if tablets_in(dose, tablet) is None:
        return (f"{dose} cannot be counted in tablets of {tablet.strength}; give the dose "
                f"in {tablet.strength.unit}")
    if tablet_halves(dose, tablet) is not None:
        return None
    if tablet.halves:
        return f"{dose} is not a whole number of half tablets of {tablet.strength}"
    return (f"{dose} is not a whole number of tablets of {tablet.strength}, and these are "
            f"swallowed whole")
