"""What the TTS is given: written text turned into what a newsreader says."""
import pytest

from podcaster.config import load_lexicon
from podcaster.speech import speakable

LEXICON = load_lexicon()

CASES = [
    ("It raised $4.5bn.", "It raised four point five billion dollars."),
    ("They won 3-2.", "They won three to two."),
    ("Music of the 1990s and the '80s", "Music of the nineteen nineties and the eighties"),
    ("Dr. Okafor said", "Doctor Okafor said"),
    ("The U.S. economy grew.", "The U-S economy grew."),
    ("AI models and GPUs", "A-I models and G-P-U's"),
    ("It opens on 2026-11-26.", "It opens on November twenty-sixth, twenty twenty-six."),
    ("The train leaves at 10:30.", "The train leaves at ten thirty."),
    ("It went straight to №1.", "It went straight to number one."),
    ("Read it at https://www.example.com/news?id=3&utm_source=x today.", "Read it at example dot com today."),
    ("1,500 jobs", "one thousand five hundred jobs"),
    ("Inflation was 3.5% and fell -0.2%.", "Inflation was three point five percent and fell minus zero point two percent."),
    ("A ticket costs $3.99, or £20 for two.", "A ticket costs three dollars ninety-nine, or twenty pounds for two."),
    ("a €1.2m grant", "a one point two million euros grant"),
    ("She came 22nd.", "She came twenty-second."),
    ("NASA and NATO met the IMF.", "NASA and NATO met the I-M-F."),
    ("winds of 60mph and 5 km/h", "winds of sixty miles per hour and five kilometers per hour"),
    ("It was 20°C.", "It was twenty degrees Celsius."),
    ("In 2026 and the 2020-21 season", "In twenty twenty-six and the twenty twenty to twenty-one season"),
    ("between 3-5% of homes", "between three to five percent of homes"),
    ("at 7 p.m. the doors open", "at seven P-M the doors open"),
    ("at 9:05 am.", "at nine oh five A-M."),
    ("since COVID-19", "since COVID nineteen"),
    ("a 3D map", "a three D map"),
    ("World War II", "World War II"),
    ("e.g. this, vs. that", "for example this, versus that"),
    ("$1 for 1 km", "one dollar for one kilometer"),
    ("order 12345678901234", "order one two three four five six seven eight nine zero one two three four"),
    ("No numbers here.", "No numbers here."),
]


@pytest.mark.parametrize("written, said", CASES)
def test_written_text_becomes_what_a_newsreader_says(written, said):
    assert speakable(written, LEXICON) == said


def test_the_profile_lexicon_adds_and_overrides_entries():
    lexicon = load_lexicon({"Nguyen": "Win", "Dr.": "Doc"})
    assert speakable("Dr. Nguyen of the WHO", lexicon) == "Doc Win of the W-H-O"
    assert speakable("Nguyenville", lexicon) == "Nguyenville"      # whole words only


@pytest.mark.parametrize("text", ["", "$", "%", "-", "1.2.3.4", "10:99", "2026-13-45", "$.5", "99999" * 40,
                                  "№", "3--2", "'s", "..."])
def test_odd_text_never_fails(text):
    assert isinstance(speakable(text, LEXICON), str)


def test_lines_are_spoken_as_the_normaliser_writes_them(tmp_path, tiny_kokoro):
    from podcaster.config import load_host, load_style
    from podcaster.speech import LineCache, load_tts, render_turns
    from podcaster.types import Turn
    engine = load_tts(str(tiny_kokoro), "torch", "cpu")
    hosts, voices = {"ava": load_host("ava")}, {"ava": "af_heart"}
    written = render_turns([Turn("ava", "It raised $4.5bn.")], hosts, voices, load_style("headlines"), engine,
                           cache=LineCache(tmp_path), lexicon=LEXICON)
    # the same words written out are the same line: found in the cache, not rendered again
    said = render_turns([Turn("ava", "It raised four point five billion dollars.")], hosts, voices,
                        load_style("headlines"), engine, cache=LineCache(tmp_path), lexicon=LEXICON)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    assert (said[0].samples == written[0].samples).all()
    assert written[0].turn.text == "It raised $4.5bn."     # the transcript keeps what was written
