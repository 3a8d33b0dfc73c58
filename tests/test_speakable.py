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
    ("Inflation was 3.5% and fell -0.2%.",
     "Inflation was three point five percent and fell minus zero point two percent."),
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

# issue 22: what a newsreader says, case by case; where the text has two readings, the comment says which and why
CASES += [
    # times: 24-hour times said as written; "12pm" and "12am" are misread so often that a newsreader says the word
    ("It ends at 10:30pm.", "It ends at ten thirty P-M."),
    ("at 10.30pm tonight", "at ten thirty P-M tonight"),
    ("Kick-off is at 22:15.", "Kick-off is at twenty-two fifteen."),
    ("Doors open at 7am.", "Doors open at seven A-M."),
    ("The vote is at 12pm.", "The vote is at noon."),
    ("Polls close at 12am.", "Polls close at midnight."),
    ("It starts at 12:00 noon.", "It starts at twelve noon."),
    ("at 00:30 on Sunday", "at twelve thirty A-M on Sunday"),
    ("at 12:30pm", "at twelve thirty P-M"),
    ("at 14:30:00", "at fourteen thirty"),
    # signs
    ("It was -5°C overnight.", "It was minus five degrees Celsius overnight."),
    ("It was −5°C overnight.", "It was minus five degrees Celsius overnight."),      # U+2212, the typeset minus
    ("a low of -12°F", "a low of minus twelve degrees Fahrenheit"),
    ("Shares rose +3.2%.", "Shares rose plus three point two percent."),
    ("The index fell −0.4%.", "The index fell minus zero point four percent."),
    ("a goal difference of -5", "a goal difference of minus five"),
    ("from -5°C to +3°C", "from minus five degrees Celsius to plus three degrees Celsius"),
    # dates: ISO is month-first as before; a written date is said the way it is written
    ("On 2025-03-04 it opened.", "On March fourth, twenty twenty-five it opened."),
    ("On 3/4/2025 it opened.", "On the third of April, twenty twenty-five it opened."),     # day-first: see _day_first
    ("From 4/13/2025 to 5/1/2025.", "From April thirteenth, twenty twenty-five to May first, twenty twenty-five."),
    ("From 13/4/2025 to 5/1/2025.", "From the thirteenth of April, twenty twenty-five to the fifth of January, "
                                    "twenty twenty-five."),
    ("until the 30/4/2025", "until the thirtieth of April, twenty twenty-five"),
    ("On 4.3.2025 it opened.", "On the fourth of March, twenty twenty-five it opened."),
    ("On 4 March 2025 it opened.", "On the fourth of March, twenty twenty-five it opened."),
    ("The 4th of March was wet.", "The fourth of March was wet."),
    ("On March 4th it opened.", "On March fourth it opened."),
    ("On March 4, 2025 it opened.", "On March fourth, twenty twenty-five it opened."),
    # phone numbers: digit by digit, "oh" for zero, grouped as written
    ("Call 0800 123 4567 now.", "Call oh eight hundred, one two three, four five six seven now."),
    ("Call 020 7946 0958.", "Call oh two oh, seven nine four six, oh nine five eight."),
    ("Call +44 20 7946 0958.", "Call plus four four, two oh, seven nine four six, oh nine five eight."),
    ("Call (555) 123-4567.", "Call five five five, one two three, four five six seven."),
    ("Call 555-123-4567.", "Call five five five, one two three, four five six seven."),
    ("He dialled 999.", "He dialled nine nine nine."),
    ("Call 911 now.", "Call nine one one now."),
    # durations
    ("It took 2h 15m.", "It took two hours fifteen minutes."),
    ("It lasted 90min.", "It lasted ninety minutes."),
    ("It took 1h30.", "It took one hour thirty minutes."),
    ("It took 45 mins.", "It took forty-five minutes."),
    ("It took 1 min.", "It took one minute."),
    ("She ran 2:01:09.", "She ran two hours one minute nine seconds."),
    # scores, said "to" as before
    ("They won 3-1.", "They won three to one."),
    ("a 2–0 win", "a two to zero win"),
    # versions: "3.11" follows "3.10", so its parts are numbers, not decimals
    ("v2.1 is out", "version two point one is out"),
    ("iOS 18.2 is out", "I-O-S eighteen point two is out"),
    ("Python 3.11 is out", "Python three point eleven is out"),
    ("Python 3.10 replaced 3.9.", "Python three point ten replaced three point nine."),
    ("version 2.1.3", "version two point one point three"),
    # currencies
    ("It costs €40.", "It costs forty euros."),
    ("It costs £3.50.", "It costs three pounds fifty."),
    ("It costs $1.2bn.", "It costs one point two billion dollars."),
    ("It costs 40p.", "It costs forty pence."),
    ("It costs ¥500.", "It costs five hundred yen."),
    ("$0.99 each", "ninety-nine cents each"),
    # percentages, ordinals, years and numbers
    ("a 50% rise", "a fifty percent rise"),
    ("Growth was 3.25%.", "Growth was three point two five percent."),
    ("She came 1st and he came 3rd.", "She came first and he came third."),
    ("the 100th day", "the one hundredth day"),
    ("In 1984 and 2025", "In nineteen eighty-four and twenty twenty-five"),
    ("2,025 people", "two thousand and twenty-five people"),
    # ranges
    ("In 2020-2024 prices rose.", "In twenty twenty to twenty twenty-four prices rose."),
    ("10–20 km away", "ten to twenty kilometers away"),
    ("10-20km away", "ten to twenty kilometers away"),
    # not phone numbers: numbers and years
    ("In 2019 2020 2021", "In twenty nineteen twenty twenty twenty twenty-one"),
    ("a p-value of 0.123456789", "a p-value of zero point one two three four five six seven eight nine"),
]


@pytest.mark.parametrize("written, said", CASES)
def test_written_text_becomes_what_a_newsreader_says(written, said):
    assert speakable(written, LEXICON) == said


def test_the_profile_lexicon_adds_and_overrides_entries():
    lexicon = load_lexicon({"Nguyen": "Win", "Dr.": "Doc"})
    assert speakable("Dr. Nguyen of the WHO", lexicon) == "Doc Win of the W-H-O"
    assert speakable("Nguyenville", lexicon) == "Nguyenville"      # whole words only


@pytest.mark.parametrize("text", ["", "$", "%", "-", "1.2.3.4", "10:99", "2026-13-45", "$.5", "99999" * 40,
                                  "№", "3--2", "'s", "...",
                                  "31/02/2025", "0/0/0000", "+", "+44", "99:99:99", "v", "12:00pm", "0p",
                                  "(((((1", "1-1-1-1-1-1-1-1", "Python 3.", "0" * 40])
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
