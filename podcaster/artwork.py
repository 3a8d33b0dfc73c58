"""Cover art: the user's PNG or JPEG, checked; or the show's own, drawn once (1400 px, as podcast
directories ask)."""
from __future__ import annotations

from pathlib import Path

from .errors import MediaError
from .files import MB, read_capped

IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
COVER_SIZE = 1400
ARTWORK_MAX = 20 * MB    # it is copied into every MP3's tags; directories ask for well under 1 MB


def image_mime(path: Path) -> str:
    """PNG or JPEG by its signature; anything else is refused with the file named."""
    head = read_capped(path, ARTWORK_MAX, "artwork file", MediaError, head=8)   # the signature is enough
    for magic, mime in IMAGE_TYPES.items():
        if head.startswith(magic):
            return mime
    raise MediaError(f"artwork file {path} is not a PNG or JPEG image")


def directory_problem(path: Path) -> str:
    """Why podcast directories (Apple, Spotify) would refuse this cover: they ask for a square of 1400
    to 3000 pixels in RGB; '' when they would take it. Only the image's header is read."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            (width, height), mode = image.size, image.mode
    except (OSError, UnidentifiedImageError) as e:
        return f"it cannot be read as an image ({e})"
    if width != height or not 1400 <= width <= 3000:
        return f"it is {width}x{height} pixels; they ask for a square of 1400 to 3000"
    return "" if mode in ("RGB", "P", "L") else f"its colours are {mode}; they ask for RGB"


def draw_default_cover(path: Path, title: str) -> None:
    """A deep-blue square with a sunrise arc and the show's name."""
    from PIL import Image, ImageDraw, ImageFont
    size = COVER_SIZE
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):   # vertical gradient, night blue to dawn violet
        t = y / size
        draw.line([(0, y), (size, y)], fill=(int(20 + 90 * t), int(30 + 40 * t), int(90 + 60 * t)))
    draw.ellipse([size * 0.2, size * 0.55, size * 0.8, size * 1.15], fill=(250, 180, 80))
    font = ImageFont.load_default(size=size // 10)
    words = title.split()
    lines = [" ".join(words[: len(words) // 2 + 1]), " ".join(words[len(words) // 2 + 1:])]
    for i, line in enumerate(filter(None, lines)):
        draw.text((size / 2, size * (0.2 + 0.13 * i)), line, font=font, fill=(255, 255, 255), anchor="mm")
    image.save(path, format="PNG", optimize=True)
