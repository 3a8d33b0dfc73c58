"""The profile: override order, clear errors for bad files, starter profile, OPML import."""
import os
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from podcaster.cli import app
from podcaster.errors import ProfileError
from podcaster.profile import episode_options, load_profile, read_opml

OPML = Path(__file__).parent / "fixtures" / "opml"
runner = CliRunner()


def profile(tmp_path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return path


def error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def test_flags_override_the_profile_which_overrides_defaults(tmp_path):
    path = profile(tmp_path, 'style = "deep-dive"\nminutes = 7\nhosts = ["nova", "leo"]\nkeep = 3\n'
                             'output_dir = "episodes"\nfeeds = ["https://a.example/rss", "local.xml"]\n'
                             '[interests]\nscience = 2\n"open source" = 1\n[exclude]\ntopics = ["sports"]\n')
    loaded = load_profile(path)
    opts = episode_options(loaded, minutes=3.0, style=None, host_b="kai")
    assert (opts.minutes, opts.style, opts.host_a, opts.host_b, opts.keep) == (3.0, "deep-dive", "nova", "kai", 3)
    assert opts.out == tmp_path / "episodes"            # relative to the profile's folder
    assert opts.feed_list == ("https://a.example/rss", str(tmp_path / "local.xml"))
    assert opts.prefs.interests == {"science": 2.0, "open source": 1.0}
    assert opts.prefs.exclude_topics == ("sports",) and opts.seed == 0 and opts.runtime == "auto"
    # --feeds replaces the profile's feeds rather than adding to them
    assert episode_options(loaded, feeds=tmp_path / "feeds.txt").feed_list == ()


@pytest.mark.parametrize("text, message", [
    ('minutes = \n', "profile.toml, line 1, column 11: not valid TOML: invalid value"),
    ('style = "morning"\n[interests\n', "profile.toml, line 2, column 11: not valid TOML"),
    ('minuts = 5\n', "unknown key 'minuts'; did you mean 'minutes'?"),
    ('[exclude]\ntopic = ["sports"]\n', "unknown key 'exclude.topic'; did you mean 'topics'?"),
    ('minutes = "five"\n', "'minutes' must be a number of minutes (got 'five')"),
    ('hosts = ["ava"]\n', "'hosts' must be a list of two voice presets"),
    ('keep = 0\n', "'keep' must be 1 or more (got 0)"),
    ('minutes = 0\n', "'minutes' must be above 0 (got 0)"),
    ('device = "gpu"\n', "'device' must be one of auto, cpu, cuda (got 'gpu')"),
    ('hosts = ["ava", "ava"]\n', "'hosts' are both 'ava'; pick two different hosts"),
    ('base_url = "ftp://x"\n', "'base_url' 'ftp://x' is not an http(s) URL"),
    ('since = "soon"\n', "'since' must be a duration like \"24h\" or \"2d\" (got 'soon')"),
    ('[interests]\nscience = "lots"\n', "'interests.science' must be a number (a weight) (got 'lots')"),
])
def test_a_bad_profile_is_one_clear_line_and_exit_10(tmp_path, text, message):
    path = profile(tmp_path, text)
    with pytest.raises(ProfileError, match=None) as caught:
        load_profile(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    result = runner.invoke(app, ["daily", "--config", str(path)])
    assert result.exit_code == 10 and message in error_line(result)


def test_init_writes_a_starter_profile_that_loads(tmp_path):
    path = tmp_path / "conf" / "profile.toml"
    result = runner.invoke(app, ["init", "--config", str(path)])
    assert result.exit_code == 0 and path.is_file()
    loaded = load_profile(path)
    assert loaded.feeds and loaded.options["keep"] == 30 and loaded.prefs.interests["science"] == 2
    assert "#" in path.read_text()          # commented, for a person to edit
    again = runner.invoke(app, ["init", "--config", str(path)])
    assert again.exit_code == 10 and "already exists" in error_line(again)


def test_missing_profile_named_by_the_user_is_an_error(tmp_path):
    result = runner.invoke(app, ["daily", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 10 and "does not exist; `podcaster init`" in error_line(result)


def test_no_feeds_anywhere_says_how_to_add_them(tmp_path):
    result = runner.invoke(app, ["daily", "--config", str(profile(tmp_path, 'minutes = 3\n'))])
    assert result.exit_code == 3 and "no feeds to read" in error_line(result)


def test_feedly_export_imports_nested_feeds_once_keeping_comments(tmp_path):
    path = profile(tmp_path, '# my profile\nstyle = "morning"  # the usual\n')
    result = runner.invoke(app, ["feeds", "import", str(OPML / "feedly.opml"), "--config", str(path)])
    assert result.exit_code == 0 and "7 feeds added" in result.stdout
    loaded = load_profile(path)
    urls = [url for url, _ in loaded.feeds]
    assert len(urls) == len(set(urls)) == 7 and "https://feeds.arstechnica.com/arstechnica/index" in urls
    assert all(title for _, title in loaded.feeds)
    text = path.read_text()
    assert "# my profile" in text and "# the usual" in text and loaded.options["style"] == "morning"
    again = runner.invoke(app, ["feeds", "import", str(OPML / "feedly.opml"), "--config", str(path)])
    assert "0 feeds added, 7 already there" in again.stdout
    listed = runner.invoke(app, ["feeds", "list", "--config", str(path)])
    assert listed.exit_code == 0 and "arstechnica" in listed.stdout


def test_netnewswire_export_with_folders_two_deep(tmp_path):
    feeds = read_opml(OPML / "netnewswire.opml")
    assert len(feeds) == 4 and any("quanta" in url.lower() for url, _ in feeds)


def test_import_creates_the_profile_when_there_is_none(tmp_path):
    path = tmp_path / "new" / "profile.toml"
    result = runner.invoke(app, ["feeds", "import", str(OPML / "netnewswire.opml"), "--config", str(path)])
    assert result.exit_code == 0
    assert len(load_profile(path).feeds) == 4 + 4      # the starter's four, then the imported ones


@pytest.mark.parametrize("name, message", [
    ("not-opml.xml", "is not an OPML subscription list (its root element is <rss>"),
    ("broken.opml", "not well-formed XML, so not an OPML subscription list"),
])
def test_a_file_that_is_not_opml_is_refused(tmp_path, name, message):
    path = profile(tmp_path, 'feeds = []\n')
    before = path.read_text()
    result = runner.invoke(app, ["feeds", "import", str(OPML / name), "--config", str(path)])
    assert result.exit_code == 10 and message in error_line(result)
    assert path.read_text() == before


def test_the_default_profile_lives_in_the_config_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("PODCASTER_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    from podcaster.profile import default_profile_path
    if os.name == "posix" and "darwin" not in os.uname().sysname.lower():
        assert default_profile_path() == tmp_path / "podcaster" / "profile.toml"


def test_fetch_limits_come_from_the_profile_and_bad_ones_are_named(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text("[fetch]\ntotal_s = 12\nmax_mb = 2.5\nmax_entries = 50\n")
    limits = episode_options(load_profile(path)).fetch
    assert (limits.total_s, limits.max_mb, limits.max_entries, limits.read_s) == (12, 2.5, 50, 10.0)
    for text, message in [("[fetch]\ntotal = 3\n", "unknown key 'fetch.total'; did you mean 'total_s'?"),
                          ("[fetch]\nmax_entries = 2.5\n", "'fetch.max_entries' must be a whole number"),
                          ("[fetch]\nread_s = 0\n", "'fetch.read_s' must be above 0")]:
        path.write_text(text)
        with pytest.raises(ProfileError, match=re.escape(message)):
            load_profile(path)


def test_lexicon_entries_come_from_the_profile_and_bad_ones_are_named(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text('[lexicon]\n"Nguyen" = "Win"\n')
    assert episode_options(load_profile(path)).lexicon == {"Nguyen": "Win"}
    path.write_text('[lexicon]\n"Nguyen" = 3\n')
    with pytest.raises(ProfileError, match="'lexicon.Nguyen' must be what to say instead, as text"):
        load_profile(path)
