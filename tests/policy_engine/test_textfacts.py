from policy_engine.textfacts import FieldText, domain_matches, link_domain
from policy_engine.tokens import tokenize


def test_links_and_domains():
    view = FieldText("see https://WWW.Example.org/a?b=1), www.news.example. and ftp://x.example")
    assert view.links == ("https://WWW.Example.org/a?b=1", "www.news.example",
                          "ftp://x.example")
    assert view.domains == ("example.org", "news.example", "x.example")


def test_link_domain_edge_cases():
    assert link_domain("http://[::1") is None
    assert link_domain("mailto:") is None
    assert link_domain("https://sub.example.org.:8080/x") == "sub.example.org"


def test_domain_matches_subdomains_only():
    domains = frozenset({"spam.example"})
    assert domain_matches("a.b.spam.example", domains) == "spam.example"
    assert domain_matches("notspam.example", domains) is None


def test_measures():
    view = FieldText("HELLO there!!!!")
    assert view.letters == 10
    assert view.capitals_share == 0.5
    assert view.longest_run == 4
    assert FieldText("   ").longest_run == 0
    assert FieldText("").capitals_share == 0.0


def test_surrogates_are_made_safe_for_re2():
    assert FieldText("a\ud800b").raw == "a?b"


def test_links_are_not_glued_but_their_parts_are_words():
    tokens = tokenize("https://www.example.org/some-page")
    assert tokens.raw_glued == []
    assert "example" in tokens.raw_tokens
