"""The pictures a template set prints (a logo, a pictogram), checked before any is laid out.

ReportLab decodes an image only while it draws the page, so a file cut short used to
stop the build with an internal error, and a huge one took gigabytes and printed
PIL's warning on the terminal. Here each picture is read (bounded), its size checked
from its header before anything is decoded, and then decoded in full once.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from leaflet.errors import LeafletError
from leaflet.sources.files import read_file

# 10 million pixels (3,162 x 3,162): more than an A4 page at 300 dpi (8.7 million), far more
# than a logo or pictogram needs, and about 40 MB once decoded.
MAX_IMAGE_PIXELS = 10_000_000
MAX_IMAGE_BYTES = 20 * 1024 * 1024
FORMATS = ("PNG", "JPEG")


@dataclass(frozen=True)
class Picture:
    """A picture that decodes in full; its size in pixels."""

    width: int
    height: int


def read_image(path: Path) -> Picture | str:
    """The picture at ``path``, or why it cannot be printed, worded to follow its name
    ("'logo.png' is not a PNG or JPEG image")."""
    too_big = f"is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB; make it smaller"
    try:
        data = read_file(path, MAX_IMAGE_BYTES, LeafletError, too_big)
    except LeafletError as exc:
        reason = exc.problems[0].message
        return reason if reason.startswith("is ") else f"cannot be read: {reason}"
    megapixels = f"at most {MAX_IMAGE_PIXELS // 1_000_000} megapixels are allowed"
    with warnings.catch_warnings():
        # PIL warns from 89 million pixels; ours is the lower limit, said in one line.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    return (f"is {width} x {height} pixels ({width * height / 1e6:.0f} "
                            f"megapixels); {megapixels}: scale it down")
                image.load()
        except Image.DecompressionBombError:
            return f"has more than {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels; " \
                   f"{megapixels}: scale it down"
        except Image.UnidentifiedImageError:
            return "is not a PNG or JPEG image"
        except Exception:  # PIL raises OSError, SyntaxError, ValueError, ... for a bad file
            return "cannot be decoded in full: the file is damaged or cut short; save it again"
    return Picture(width, height)
