"""Model output is parsed, repaired or dropped: nothing unspeakable reaches the TTS."""
import pytest

from podcaster.errors import GenerationError
from podcaster.types import Cluster, Script, Story, Turn
from podcaster.writer.script import clean_text, complete_sentences, parse_turns, validate_script

NAMES = {"ava": "ava", "kai": "kai"}


def test_lines_become_turns_with_story_ids():
    raw = "Ava: The ferry opened today.\nKai: It carried 1,240 people.\n\nAva: Quiet engines, too."
    turns = parse_turns(raw, NAMES, 2, ["s1"])
    assert [(t.speaker, t.text) for t in turns] == [
        ("ava", "The ferry opened today."), ("kai", "It carried 1,240 people."), ("ava", "Quiet engines, too.")]
    assert all(t.story_ids == ["s1"] and t.segment == 2 for t in turns)


def test_markdown_labels_and_unlabelled_continuations_are_repaired():
    raw = "**Ava:** Big news *today*.\nIt continues here.\n**Kai** (laughing): Right!"
    turns = parse_turns(raw, NAMES, 1, [])
    assert [(t.speaker, t.text) for t in turns] == [("ava", "Big news today. It continues here."), ("kai", "Right!")]


def test_unknown_speakers_are_dropped_not_spoken():
    raw = "Ava: Hello there.\nPerson 1: I should not be heard.\nNarrator: Nor me.\nKai: Hi Ava."
    assert [t.text for t in parse_turns(raw, NAMES, 0, [])] == ["Hello there.", "Hi Ava."]


def test_cut_off_text_is_trimmed_to_the_last_full_sentence():
    turns = parse_turns("Ava: The bank held rates. Inflation slowed to", NAMES, 0, [])
    assert turns[0].text == "The bank held rates."
    assert parse_turns("Ava: and then the", NAMES, 0, []) == []
    # trailing dots are a sentence cut off (LISTENING.md: "... important news stories from a.."), not an end
    assert parse_turns("Ava: The bank held rates. It might be a..", NAMES, 0, [])[0].text == "The bank held rates."
    assert parse_turns("Ava: Rates rose... Then fell.", NAMES, 0, [])[0].text == "Rates rose... Then fell."


def test_repeats_and_same_speaker_runs_are_merged_or_dropped():
    raw = "Ava: One.\nAva: Two.\nKai: Three.\nAva: One.\nKai: Three."
    assert [(t.speaker, t.text) for t in parse_turns(raw, NAMES, 0, [])] == [("ava", "One. Two."), ("kai", "Three.")]


@pytest.mark.parametrize("raw, spoken", [
    ("[upbeat music] Welcome back!", "Welcome back!"),
    ("See <b>this</b> at https://example.org/x now.", "See this at now."),
    ("Great news 🎉 for `coders` # today.", "Great news for coders today."),
    ("(laughs) That's wild. *chuckles*", "That's wild."),
    ("Prices rose (in euros) *sharply*.", "Prices rose (in euros) sharply."),
    ("(Warmly) Good morning! (Nodding) Yes, (calmly) indeed.", "Good morning! Yes, indeed."),
    ("(reading from the news article) The reef grew.", "The reef grew."),
    ('"Goodnight everyone! See you tomorrow."', "Goodnight everyone! See you tomorrow."),
    # a quotation mark with no partner is a slip (heard in a test show); a quotation keeps its marks
    ('"That sounds very promising!', "That sounds very promising!"),
    ('Vidal said "the engines are quiet.', "Vidal said the engines are quiet."),
    ('Vidal said "the engines are quiet." Good.', 'Vidal said "the engines are quiet." Good.'),
])
def test_clean_text_removes_what_must_not_be_spoken(raw, spoken):
    assert clean_text(raw) == spoken


def test_complete_sentences_keeps_quotes_and_finished_text():
    assert complete_sentences('She said "yes." Then') == 'She said "yes."'
    assert complete_sentences("Done!") == "Done!"


def _script(turns, stories=None):
    stories = stories or [Story("s1", "T", "B", "", "src", None)]
    return Script("t", "2026-11-26", {"ava": "Ava", "kai": "Kai"}, [Cluster(s.id, (s,)) for s in stories], turns)


@pytest.mark.parametrize("turn, problem", [
    (Turn("bob", "Hello.", ["s1"]), "unknown speaker"),
    (Turn("ava", "  ", ["s1"]), "empty text"),
    (Turn("ava", "Read **this**.", ["s1"]), "markup"),
    (Turn("ava", "And then", ["s1"]), "cut-off sentence"),
])
def test_validate_script_rejects_unspeakable_turns(turn, problem):
    with pytest.raises(GenerationError, match=problem):
        validate_script(_script([turn]))


def test_validate_script_requires_every_story_told():
    stories = [Story("s1", "One", "B", "", "src", None), Story("s2", "Two", "B", "", "src", None)]
    with pytest.raises(GenerationError, match="never tells the story 'Two'"):
        validate_script(_script([Turn("ava", "About one.", ["s1"])], stories))


def test_turns_run_together_on_one_line_are_split_at_the_next_label():
    raw = 'Kai: "We have good news! The budget grew. " Ava: "Oh wow, fantastic!" Kai: Indeed.'
    turns = parse_turns(raw, {"ava": "ava", "kai": "kai"}, 1, ["s1"])
    assert [(t.speaker, t.text) for t in turns] == [
        ("kai", "We have good news! The budget grew."), ("ava", "Oh wow, fantastic!"), ("kai", "Indeed.")]
