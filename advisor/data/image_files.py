"""Image files: which names count as images, and a cheap readability check at load time.

Each file is read once: its bytes are hashed (for duplicates and the dataset fingerprint)
and PIL checks the header and structure with ``verify()``, which does not decode pixels.
A file that passes but is truncated inside the pixel data fails later, in
``LabelledData.image(i)``, with a DataError naming it.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
)


def is_image_name(path: str | Path) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def is_hidden(path: Path) -> bool:
    return path.name.startswith(".") or path.name in {"Thumbs.db", "desktop.ini"}


def check_image_file(path: str | Path) -> tuple[str | None, str | None]:
    """Return (sha256 hex of the bytes, None) or (None, reason the file cannot be used)."""
    from PIL import Image, UnidentifiedImageError

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None, "file not found"
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    if not data:
        return None, "cannot be decoded: empty file"
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except UnidentifiedImageError:
        return None, "cannot be decoded: not a recognised image"
    except Exception as exc:  # PIL raises many types for corrupt data
        return None, f"cannot be decoded: {exc}"
    return hashlib.sha256(data).hexdigest(), None
