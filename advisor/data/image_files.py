"""Image files: which names count as images, and a cheap readability check at load time.

Each file is read once: its bytes are hashed (for duplicates and the dataset fingerprint)
and PIL checks the header and structure with ``verify()``, which does not decode pixels.
``verify()`` misses truncation in JPEG, TIFF, BMP and GIF files, so those get a check of
their own that decodes nothing: a JPEG must end its image with the end-of-image marker,
a TIFF's strips and a BMP's pixel rows must lie inside the file, and a GIF (small and
fast to decode) is decoded. Measured on one core, the checks cost what ``verify()`` alone
did (0.13 ms for a 500x375 JPEG, 3 ms at 12 megapixels, mostly the hashing), where a full
decode costs 1.1 ms and 85 ms: a folder of 100k photos would pay that at every load,
although a ranking decodes only its budget. A file that still fails to decode (changed
on disk since, or damaged in a way these checks cannot see) fails in
``LabelledData.image(i)``; the extraction then reports every such file at once and the
ranking goes on without them (``advisor.data.skipped``).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from advisor.errors import DataError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
# Standalone JPEG markers (no length field): TEM, RST0-7, SOI, EOI.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xDA)})
_ENDS_EARLY = "the file ends before the image data does"
_TIFF_EXTENTS = ((273, 279), (324, 325))  # (StripOffsets, StripByteCounts), tiles likewise


def is_image_name(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def image_value(raw, base: Path) -> str | bytes | None:
    """A table cell holding an image -> a resolved file path or encoded bytes (None: blank).

    Cells may hold a path, encoded bytes, a PIL image (encoded here as PNG, lossless) or a
    ``datasets`` Image cell ({"bytes": ..., "path": ...}).
    """
    if isinstance(raw, dict):
        raw = raw.get("bytes") or raw.get("path")
    if raw is None:
        return None
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw) or None
    if hasattr(raw, "save") and hasattr(raw, "mode"):  # a PIL image
        buffer = io.BytesIO()
        raw.save(buffer, format="PNG")
        return buffer.getvalue()
    text = str(raw).strip()
    if not text or text.lower() == "nan":
        return None
    file = Path(text).expanduser()
    return str((file if file.is_absolute() else base / file).resolve())


def is_image_value(raw) -> bool:
    """True for a cell that holds an image itself, or a path with an image extension."""
    if isinstance(raw, dict):
        return bool(raw.get("bytes")) or is_image_name(str(raw.get("path") or ""))
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bool(raw)
    if hasattr(raw, "save") and hasattr(raw, "mode"):
        return True
    return is_image_name(str(raw or ""))


def is_hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name in {"Thumbs.db", "desktop.ini"}


def check_image_file(path: str | Path) -> tuple[str | None, str | None]:
    """Return (sha256 hex of the bytes, None) or (None, reason the file cannot be used)."""

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None, "file not found"
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    return check_image_bytes(data)


def check_image_bytes(data: bytes) -> tuple[str | None, str | None]:
    """check_image_file for an encoded image held in memory (a ``datasets`` Image column)."""
    from PIL import Image

    if not data:
        return None, "cannot be decoded: empty file"
    try:
        with Image.open(io.BytesIO(data)) as img:
            problem = _truncation(img, data)
            if img.format != "GIF":  # a GIF was decoded whole by _truncation
                img.verify()
    except Exception as exc:  # PIL raises many types for corrupt data
        return None, decode_failure(exc)
    if problem:
        return None, f"truncated: {problem}"
    return hashlib.sha256(data).hexdigest(), None


def decode_failure(exc: BaseException) -> str:
    """The reason an image cannot be used, from PIL's exception: '<kind>: <detail>'."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(exc, UnidentifiedImageError):
        return "cannot be decoded: not a recognised image"
    if isinstance(exc, Image.DecompressionBombError):
        return f"too large: {_bomb_text(exc)}"
    text = str(exc).strip() or type(exc).__name__
    if "truncated" in text.lower():
        return f"truncated: {_ENDS_EARLY}"
    return f"cannot be decoded: {text}"


class ImageDecodeError(DataError):
    """One image file failed to decode; ``reason`` is the short '<kind>: <detail>' text."""

    def __init__(self, path: str, reason: str):
        self.path, self.reason = path, reason
        super().__init__(f"image file {path} {_as_clause(reason)}; remove or replace the file")


class UnreadableImages(DataError):
    """Images that failed to decode during extraction, every one of them.

    ``rows`` maps the position in the data to (file, reason). ``advisor.rank`` drops these
    rows for every candidate (``advisor.data.skipped.drop_unreadable``) and reports them.
    """

    def __init__(self, name: str, total: int, rows: dict[int, tuple[str, str]]):
        self.rows = dict(sorted(rows.items()))
        shown = "; ".join(f"{path}: {reason}" for path, reason in list(self.rows.values())[:3])
        more = f" and {len(rows) - 3} more" if len(rows) > 3 else ""
        super().__init__(
            f"{len(rows)} of {total} image files in {name} cannot be decoded ({shown}{more}); "
            "remove or replace them (advisor.rank leaves them out and reports it)"
        )


def _as_clause(reason: str) -> str:
    """'truncated: ...' -> 'cannot be decoded (truncated: ...)', for a sentence about a file."""
    kind, _, detail = reason.partition(":")
    return f"cannot be decoded ({detail.strip() if kind == 'cannot be decoded' else reason})"


def _truncation(img, data: bytes) -> str | None:
    """Why an opened image's data stops short, for the formats ``verify()`` does not check."""
    fmt = img.format
    if fmt in ("JPEG", "MPO"):
        return None if _jpeg_is_complete(data) else _ENDS_EARLY
    if fmt == "TIFF":
        return _tiff_truncation(img, len(data))
    if fmt == "BMP":
        return _bmp_truncation(img, len(data))
    if fmt == "GIF":
        img.load()  # raises "image file is truncated"; GIFs are small and fast to decode
    return None


def _jpeg_is_complete(data: bytes) -> bool:
    """True when the end-of-image marker follows the main image's first scan.

    Walks the marker segments to the first start-of-scan (so an EXIF thumbnail's own
    end marker inside APP1 does not count); entropy-coded data never holds 0xFFD9.
    Bytes appended after the image (motion photos, MPO) are fine.
    """
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return True  # not a layout this walk understands: leave it to PIL
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the image data follows
            return data.rfind(b"\xff\xd9", pos) != -1  # from the end: found at once
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return False  # the headers run to the end of the file: no image data at all


def _tiff_truncation(img, size: int) -> str | None:
    tags = getattr(img, "tag_v2", {})
    for offsets_tag, counts_tag in _TIFF_EXTENTS:
        offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
        if offsets is None or counts is None:
            continue
        offsets = offsets if isinstance(offsets, tuple) else (offsets,)
        counts = counts if isinstance(counts, tuple) else (counts,)
        end = max((o + c for o, c in zip(offsets, counts, strict=False)), default=0)
        if end > size:
            return _short_by(size, end)
    return None


def _bmp_truncation(img, size: int) -> str | None:
    tile = img.tile[0] if len(img.tile) == 1 else None
    if tile is None or tile[0] != "raw":  # RLE-compressed: its length is not known up front
        return None
    stride = abs(tile[3][1]) if len(tile[3]) > 1 and tile[3][1] else 0
    end = tile[2] + stride * img.height
    if end > size:
        return _short_by(size, end)
    return None


def _short_by(size: int, end: int) -> str:
    return f"the file has {size:,} of the {end:,} bytes its image needs"


def _bomb_text(exc: Exception) -> str:
    """'400,000,000 pixels, over ...' from PIL's 'Image size (400000000 pixels) exceeds ...'."""
    numbers = [int(n) for n in re.findall(r"\d+", str(exc))]
    pixels, limit = (numbers + [0, 0])[:2]
    return (
        f"{pixels:,} pixels, over the decompression-bomb limit of {limit:,}; downscale it "
        "(or raise PIL.Image.MAX_IMAGE_PIXELS for a file you trust)"
    )
