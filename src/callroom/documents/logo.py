"""The business logo: a readable PNG or JPEG of sane size, checked before it is kept."""

from __future__ import annotations

import io
from pathlib import Path

from ..domain.profile import Logo, ProfileError

MAX_BYTES = 512 * 1024  # a logo, not a photograph
MAX_SIDE = 4000  # pixels
MIN_SIDE = 16
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def read_logo(path: str | Path) -> Logo:
    """Read and check a logo file; ProfileError('logo', why) names what is wrong."""
    p = Path(path).expanduser()
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise ProfileError("logo", f"{p}: no such file") from None
    except IsADirectoryError:
        raise ProfileError("logo", f"{p} is a folder, not an image file") from None
    except OSError as e:
        raise ProfileError("logo", f"cannot read {p}: {e.strerror or e}") from None
    return check_logo(data, str(p))


def check_logo(data: bytes, name: str = "the logo") -> Logo:
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise ProfileError("logo", f"{name} is {len(data) // 1024} KB; a logo may be at most {MAX_BYTES // 1024} KB")
    if not data:
        raise ProfileError("logo", f"{name} is empty")
    fmt = None
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format
            w, h = im.size
            if fmt not in FORMATS:
                raise ProfileError("logo", f"{name} is a {fmt} image; use a PNG or JPEG")
            im.load()  # reads every pixel: a truncated file fails here
    except ProfileError:
        raise
    except Image.DecompressionBombError:
        raise ProfileError("logo", f"{name} is too large an image") from None
    except UnidentifiedImageError:
        raise ProfileError("logo", f"{name} is not a PNG or JPEG image (its content is not one callroom can read); "
                                   "use a PNG or JPEG") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        # Pillow's own text may name the in-memory buffer ('<_io.BytesIO object at 0x...>'): never shown.
        why = _why(e)
        raise ProfileError("logo", f"{name} is a damaged {fmt or 'image'} file ({why}); save it again from your "
                                   "image program as PNG or JPEG") from None
    if max(w, h) > MAX_SIDE or min(w, h) < MIN_SIDE:
        raise ProfileError("logo", f"{name} is {w}x{h} pixels; use between {MIN_SIDE} and {MAX_SIDE} pixels a side")
    return Logo(data, FORMATS[fmt], w, h)


def _why(e: Exception) -> str:
    """What Pillow found wrong, in a few plain words, without object addresses."""
    text = str(e).lower()
    if "truncated" in text or isinstance(e, EOFError):
        return "it is cut short"
    if "crc" in text or "checksum" in text:
        return "a checksum does not match"
    if "0x" in text or "<" in text or not text:
        return "its image data cannot be read"
    return text.rstrip(".")
