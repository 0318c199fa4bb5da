"""Each furniture rule on real snippets of scraped news pages, and body text it must leave alone."""

from __future__ import annotations

import pytest

from pipeline.boilerplate import is_title_like, strip_furniture

BODY = (
    "Officials in Kyiv said on Tuesday that the new air defence systems had arrived.\n\n"
    "The delivery follows months of talks with Washington and Berlin, they added."
)


@pytest.mark.parametrize(
    ("rule", "snippet"),
    [
        ("correction_footer", "To suggest a correction or clarification, write to us here"),
        ("correction_footer", "You can also highlight the text and press Ctrl + Enter"),
        ("share_prompt", "Like this story? Share it with a friend!"),
        ("share_prompt", "Share on Facebook"),
        ("share_prompt", "Follow The New York Times Opinion section on Facebook, Twitter."),
        ("subscribe_prompt", "Get the latest updates right in your inbox. Subscribe to NJ.com’s"),
        ("subscribe_prompt", "Keep an eye on your inbox for the latest sports news."),
        ("subscribe_prompt", "Pick Six Newsletter"),
        ("call_to_action", "CLICK HERE TO GET THE FOX NEWS APP"),
        ("inline_teaser", "Read more: Alibaba poised to launch record-breaking Hong Kong listing"),
        ("inline_teaser", "Also on rt.com Journalists threatened with sedition arrests"),
        ("inline_teaser", "SEE MORE: Hong Kong protests: 800 students under siege in university"),
        ("author_contact", "Have a tip? Amy Kuperinsky may be reached at amy@example.com."),
        ("author_contact", "Write to Al Root at allen.root@example.com"),
        ("credit_line", "Reporting by Rodrigo Campos; Editing by Nick Zieminski"),
        ("copyright", "© 2019 Associated Press. All Rights Reserved."),
        ("copyright", "copyright Inexhibit 2019 - ISSN: 2283-5474"),
        ("page_ui", "Text size"),
        ("tags", "Filed under: Politics | Elections"),
        ("markup_residue", "- medium-browser-and-portrait-tablet"),
        ("advertisement", "Story continues below advertisement"),
        ("comments_prompt", "Tell us what YOU think..."),
        ("media_credit", "Photo: Getty Images"),
        ("update_stamp", "Updated at 1:23 p.m."),
    ],
)
def test_line_rule_removes_its_furniture_and_counts_it(rule: str, snippet: str) -> None:
    text = f"{BODY}\n\n{snippet}\n\nThe ministry declined to comment further on the shipment."
    stripped = strip_furniture(text)
    assert snippet not in stripped.text
    assert stripped.removed == {rule: 1}
    assert stripped.text.endswith("declined to comment further on the shipment.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Copyright law was changed in 2019 to protect artists.",
        "By Friday, the troops had withdrawn from the city.",
        "Related talks will resume next week in Geneva, officials said.",
        "Share prices fell 3% after the announcement.",
        "She said the newsletter had been sent to 3,000 subscribers by mistake.",
        "Subscribers complained that the service was down for hours.",
    ],
)
def test_body_sentences_that_look_like_furniture_are_kept(sentence: str) -> None:
    stripped = strip_furniture(f"{BODY}\n\n{sentence}")
    assert sentence in stripped.text
    assert stripped.removed == {}


def test_related_block_takes_heading_teasers_and_their_standfirst() -> None:
    text = (
        f"{BODY}\n\nRelated Stories\n\nSpain Votes for a New Parliament in December\n\n"
        "Voters in Spain will elect a parliament as the ruling coalition faces a budget crisis.\n\n"
        "“We will keep the systems running,” a spokesman for the air force told reporters."
    )
    stripped = strip_furniture(text)
    assert "Spain" not in stripped.text and "Related" not in stripped.text
    assert stripped.text.endswith("told reporters.")
    assert stripped.removed == {"related_block": 3}


def test_headline_repeated_beside_furniture_is_a_teaser() -> None:
    teaser = "Zelensky Says Russia Should Attend Second Ukraine Summit"
    text = f"{BODY}\n\n{teaser}\nOther Topics of Interest\n\n{teaser}\n\nThe minister agreed."
    stripped = strip_furniture(text)
    assert teaser not in stripped.text
    assert stripped.removed == {"related_block": 1, "repeated_teaser": 2}


def test_repeated_lines_far_from_furniture_are_content() -> None:
    text = (
        "Pre-Workout Meal\n\nEat a banana and some oats an hour before training.\n\n"
        "Post-Workout Meal\n\nEat rice and eggs within an hour of training.\n\n"
        "Pre-Workout Meal\n\nTry yoghurt with honey on rest days, the coach said."
    )
    assert strip_furniture(text).text.count("Pre-Workout Meal") == 2


def test_page_title_echoed_in_the_body_is_removed() -> None:
    stripped = strip_furniture(f"Germany lifts the ban\n\n{BODY}", title="Germany lifts the ban")
    assert stripped.text == BODY
    assert stripped.removed == {"title_repeat": 1}


def test_page_url_is_removed_only_at_the_edges() -> None:
    url = "https://www.example.com/news/2019/11/18/story-slug"
    middle = f"{BODY}\n\n{BODY}\n\nShop here:\n{url}\n\n{BODY}\n\n{BODY}"
    stripped = strip_furniture(f"{url}\n\n{middle}\n\nEnd of story.")
    assert stripped.text.count(url) == 1
    assert stripped.removed == {"edge_url": 1}


def test_hard_wrapped_lines_are_joined_into_one_paragraph() -> None:
    text = (
        "The committee met on Tuesday and\nagreed to extend the programme.\n\nA second paragraph."
    )
    assert strip_furniture(text).text == (
        "The committee met on Tuesday and agreed to extend the programme.\n\nA second paragraph."
    )


def test_title_likeness() -> None:
    assert is_title_like("Zelensky Says Russia Should Attend Second Ukraine Summit")
    assert is_title_like("- China furious at Macron for Hong Kong protest jibe [INSIGHT]")
    assert not is_title_like("The decision allows Ukraine to use US-supplied missiles.")
    assert not is_title_like("Yes. Then we left")
