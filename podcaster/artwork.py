"""Cover art: the user's PNG or JPEG, checked; or the show's own, drawn once (1400 px, as podcast
directories ask)."""
from __future__ import annotations

from pathlib import Path

from .errors import MediaError
from .files import MB, read_capped
from .types import Show

IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
COVER_SIZE = 1400
ARTWORK_MAX = 20 * MB    # it is copied into every MP3's tags; directories ask for well under 1 MB
DRAWN_BY = "podcaster"  # the PNG "Software" text of a cover we drew; its "Title" text is the name drawn
NIGHT_BLUE = (20, 30, 90)   # the drawn cover's top colour: how a cover drawn before they were marked is known


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


def drawn_title(path: Path) -> str | None:
    """The show name on a cover podcaster drew (so a renamed show gets a new one); None for any other
    image, such as the listener's own artwork copied in."""
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(path) as image:
            if image.format != "PNG":
                return None
            if image.text.get("Software") == DRAWN_BY:
                return image.text.get("Title", "")
            unmarked = image.size == (COVER_SIZE, COVER_SIZE) and image.convert("RGB").getpixel((0, 0)) == NIGHT_BLUE
            return Show().name if unmarked else None     # drawn before covers were marked: the old fixed name
    except (OSError, UnidentifiedImageError):
        return None


def draw_default_cover(path: Path, title: str) -> None:
    """A deep-blue square with a sunrise arc and the show's name, in as many lines as it takes."""
    from PIL import Image, ImageDraw, PngImagePlugin
    size = COVER_SIZE
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):   # vertical gradient, night blue to dawn violet
        t = y / size
        draw.line([(0, y), (size, y)], fill=(int(20 + 90 * t), int(30 + 40 * t), int(90 + 60 * t)))
    draw.ellipse([size * 0.2, size * 0.55, size * 0.8, size * 1.15], fill=(250, 180, 80))
    font, lines = _title_lines(draw, title, size)
    step = 1.3 * font.size
    for i, line in enumerate(lines):     # centred on the sky above the sun
        y = size * 0.28 + step * (i - (len(lines) - 1) / 2)
        draw.text((size / 2, y), line, font=font, fill=(255, 255, 255), anchor="mm")
    marks = PngImagePlugin.PngInfo()
    marks.add_itxt("Software", DRAWN_BY)
    marks.add_itxt("Title", title)
    image.save(path, format="PNG", optimize=True, pnginfo=marks)


def _title_lines(draw, title: str, size: int):
    """The largest font (a tenth of the cover down to a fortieth) at which the title, wrapped at words,
    fits the cover's width and the sky above the sun; and its lines."""
    from PIL import ImageFont
    for font_size in range(size // 10, size // 40 - 1, -(size // 100)):
        font = ImageFont.load_default(size=font_size)
        lines = _wrapped(draw, title.split(), font, size * 0.85)
        if all(draw.textlength(line, font=font) <= size * 0.85 for line in lines) and \
                1.3 * font_size * len(lines) <= size * 0.44:
            break
    return font, lines


def _wrapped(draw, words: list[str], font, width: float) -> list[str]:
    lines: list[str] = []
    for word in words:
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
