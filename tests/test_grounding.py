"""The grounding check: a turn states only facts (numbers, names, quotations) its sources hold."""
from podcaster.types import Cluster, Story
from podcaster.writer.grounding import Grounds, unsupported

BUSES = Story("b", "City orders 212 electric buses",
              'Mayor Lena Ortiz said the city will spend $4.5bn on 212 buses by 2028. "This is the cleanest fleet '
              'we have ever had," she said. Ridership rose 12.5% last year.', "https://example.com/b",
              "Harbour Gazette", None)
COMET = Story("c", "Comet passes Earth", "The comet Hale-Bopp passed within 30 million km, as did comet 88P.",
              "https://example.com/c", "Science Desk", None)
SHOW = {"Ava", "Kai", "The Daily Feed", "Thursday, November 26", "2026"}
BUS_SEGMENT = Grounds.of([Cluster("b", (BUSES,))], SHOW)


def test_facts_from_the_sources_are_grounded_however_they_are_written():
    for text in ["The city will spend 4.5 billion dollars on two hundred and twelve buses.",
                 "Mayor Ortiz says it is the cleanest fleet they have ever had, Kai.",
                 'Ortiz said: "This is the cleanest fleet we have ever had."',
                 "Ridership rose 12.5 percent, says the Harbour Gazette.",
                 "Welcome to The Daily Feed, Thursday November 26, 2026. I'm Ava.",
                 "Three buses come first, and one more follows.",      # small counts in words are not checked
                 'The mayor was clear, Kai. Do riders agree? "Yes," the Harbour Gazette says.']:
        assert unsupported(text, BUS_SEGMENT) == [], text


def test_a_name_written_with_digits_is_one_word():
    comet = Grounds.of([Cluster("c", (COMET,))], SHOW)
    assert unsupported("Images of comet 88P came back.", comet) == []
    assert unsupported("Images of comet 89P came back.", comet) == ["89"]


def test_an_invented_number_name_or_quotation_is_named():
    assert unsupported("The plan was first proposed by Percival Hale in 1835.", BUS_SEGMENT) == \
        ["1835", "Hale", "Percival"]
    assert unsupported("Ridership rose forty percent.", BUS_SEGMENT) == ["40"]
    assert unsupported("The buses arrive on Monday.", BUS_SEGMENT) == ["Monday"]     # only today's weekday is free
    assert unsupported('She said "this is the greenest fleet in the world."', BUS_SEGMENT) == \
        ['"this is the greenest fleet in the world."']


def test_a_segment_may_not_borrow_another_storys_facts_but_the_opening_may():
    line = "And the comet Hale-Bopp passed within 30 million km."
    assert unsupported(line, BUS_SEGMENT) == ["30", "Hale-Bopp"]
    assert unsupported(line, Grounds.of([Cluster("b", (BUSES,)), Cluster("c", (COMET,))], SHOW)) == []


def test_a_digit_is_grounded_by_the_number_word_its_source_uses():
    story = Story("f", "Ferry", "The boats cross in 18 minutes, four minutes faster than the diesel ferries.", "",
                  "Harbour Gazette", None)
    grounds = Grounds.of([Cluster("c", (story,))], set())
    assert unsupported("It is 4 minutes faster, at 18 minutes.", grounds) == []
    assert unsupported("It is 5 minutes faster.", grounds) == ["5"]
