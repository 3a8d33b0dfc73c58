"""Feeds list parsing, feed parsing into Story, and real HTTP fetching on loopback."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from podcaster.errors import FeedsError
from podcaster.feeds import dedupe, fetch_feeds, parse_feed, read_feeds_file
from podcaster.sanitize import html_to_text

from conftest import DEMO_FEEDS

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Loop News</title>
<item><title>Bridge opens</title><link>https://example.org/bridge</link>
<pubDate>Wed, 25 Nov 2026 07:30:00 GMT</pubDate>
<description>&lt;p&gt;The &lt;b&gt;bridge&lt;/b&gt; opened &amp;amp; 3,000 people crossed.&lt;/p&gt;\
&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def server():
    """A real HTTP server on loopback: /feed is a feed, /html a web page, /broken a 500."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            routes = {"/feed": (200, "application/rss+xml", RSS),
                      "/html": (200, "text/html", b"<html><body><h1>Welcome</h1><p>Not a feed</p></body></html>"),
                      "/broken": (500, "text/plain", b"oops")}
            status, kind, body = routes.get(self.path, (404, "text/plain", b"missing"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.server.agents.append(self.headers.get("User-Agent", ""))

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.agents = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()


def url(server, path):
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_feeds_file_allows_comments_blank_lines_and_relative_paths(tmp_path):
    (tmp_path / "a.xml").write_bytes(RSS)
    feeds = tmp_path / "feeds.txt"
    feeds.write_text("# my feeds\n\nhttps://example.org/rss#frag  # trailing comment\na.xml\n")
    assert read_feeds_file(feeds) == ["https://example.org/rss#frag", str(tmp_path / "a.xml")]


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"),
    ("# only a comment\n\n", "lists no feeds"),
    ("ftp://example.org/feed\n", "feeds.txt:1: 'ftp://example.org/feed' is neither"),
    ("https://example.org/ok\nnot-here.xml\n", "feeds.txt:2: 'not-here.xml' is neither"),
])
def test_bad_feeds_file_names_the_problem(tmp_path, content, message):
    feeds = tmp_path / "feeds.txt"
    if content is not None:
        feeds.write_text(content)
    with pytest.raises(FeedsError, match=message.replace("(", r"\(")):
        read_feeds_file(feeds)


def test_demo_feeds_parse_into_plain_text_stories():
    stories = [s for loc in read_feeds_file(DEMO_FEEDS) for s in parse_feed(Path(loc).read_bytes(), loc)]
    assert len(stories) == 7
    assert {s.source for s in stories} == {"Harbour Gazette", "Science Desk", "Tech Weekly"}
    for story in stories:
        assert story.title and story.body and story.link.startswith("https://")
        assert story.published is not None and story.published.tzinfo is not None
        assert "<" not in story.body and "&lt;" not in story.body and "&amp;" not in story.body
    assert len({s.id for s in stories}) == 7


def test_html_becomes_plain_text_without_scripts():
    assert html_to_text("<p>The <b>bridge</b> opened &amp; 3,000 crossed.</p><script>alert(1)</script>") == \
        "The bridge opened & 3,000 crossed."


def test_garbage_is_not_a_feed():
    with pytest.raises(ValueError, match="not an RSS or Atom feed"):
        parse_feed(b"\x00\x01 this is not xml at all", "junk")


def test_duplicates_by_link_or_title_are_dropped():
    stories = parse_feed(RSS, "a")
    other = parse_feed(RSS.replace(b"https://example.org/bridge", b"https://other.org/b"), "b")
    retitled = parse_feed(RSS.replace(b"Bridge opens", b"Another title"), "c")
    assert len(dedupe(stories + other + retitled)) == 1


def test_fetch_reports_failed_feeds_and_keeps_the_rest(server):
    results = fetch_feeds([url(server, "/feed"), url(server, "/html"), url(server, "/broken"),
                           "http://127.0.0.1:9/closed"])
    ok, html, broken, closed = results
    assert ok.error is None and ok.stories[0].title == "Bridge opens"
    assert ok.stories[0].body == "The bridge opened & 3,000 people crossed."
    assert "not an RSS or Atom feed" in html.error
    assert broken.error == "HTTP 500"
    assert closed.error and not closed.stories
    assert all(agent.startswith("podcaster/") for agent in server.agents)


def test_control_and_direction_override_characters_are_removed():
    assert html_to_text("Bank\x00 rates\u202e held\x1b at 3%\ufeff.") == "Bank rates held at 3%."


def test_a_feeds_list_line_too_long_for_a_file_name_is_a_feeds_error(tmp_path):
    listing = tmp_path / "feeds.txt"
    listing.write_text("a" * 300 + ".xml\n")
    with pytest.raises(FeedsError, match="neither an http"):
        read_feeds_file(listing)
