"""The page-furniture rules: what scrapers leave around a news article, as data.

Every rule has a name (it labels `CleaningReport.removed`) and patterns matched, case-insensitively,
against one stripped line. `pipeline.boilerplate` applies them; nothing else knows about furniture.

- LINE_RULES: a line matching any pattern of a rule is furniture wherever it appears.
- EDGE_RULES: the same, only among the first or last few lines.
- SECTION_HEADINGS: a line that opens a block of teasers ("Related", "Other Topics of Interest");
  the heading goes, and so do the teaser headlines (and their one-paragraph standfirsts) after it.
- BYLINE / DATELINE: lines that are metadata, not body; kept in the report, not in the text.

Patterns come from how news pages are scraped (footers, share bars, newsletter boxes, sidebars),
written for the shape of the furniture, never for one outlet's exact wording.
"""

from __future__ import annotations

LINE_RULES: dict[str, tuple[str, ...]] = {
    "correction_footer": (
        r"^to (suggest|submit|report) an? (correction|clarification|error)",
        r"\bhighlight the (text|error|mistake)\b.*\bctrl\s*\+\s*enter\b",
        r"^(if )?you (can )?also highlight the text",
        r"^(did you )?(spot|see|notice|find) an? (error|mistake|typo)\b.{0,60}$",
        r"^(report|submit) an? (error|correction|typo)\W*$",
    ),
    "share_prompt": (
        r"^(share|tweet|email|print|pin|save|copy link)( (this|it|on|via|to) [\w ]{0,30})?\W*$",
        r"^(like|enjoy(ed)?|love) this (story|article|post)\?",
        r"\bshare (it|this( story| article)?) with (a|your) friends?\b",
        r"^(share|follow us|find us|join us|like us) on "
        r"(facebook|twitter|x|linkedin|whatsapp|instagram|telegram|reddit)\b",
        r"^(click|tap) (here )?to share\b",
        r"^follow (the )?[\w .'’]{0,40} on (facebook|twitter|instagram|x|linkedin)\b.{0,80}$",
        r"^follow @\w+",
    ),
    "call_to_action": (
        r"^.{0,80}\b(click|tap)(ing)? here\b.{0,80}$",
        r"^(download|get) (the|our) [\w ]{0,30}app\b.{0,60}$",
    ),
    "subscribe_prompt": (
        r"^(sign up|subscribe|register)\b.{0,120}\b(newsletters?|inbox|updates|alerts|emails?)\b",
        r"\b(delivered|straight|sent) (to|into|through) your (inbox|letterbox|mailbox|door)\b",
        r"^get (the latest|our|the best|breaking)\b.{0,80}\b(inbox|newsletters?|alerts)\b",
        r"\bsign up for\b.{0,60}\b(newsletter|today)\b",
        r"^thanks? (you )?for (signing up|subscribing)\W*$",
        r"^keep an eye on your inbox\b",
        r"^(sorry!? )?there was an error processing your (subscription|request)\W*$",
        r"^(already|not) a subscriber\?",
        r"^(subscribe|subscribe now|sign up|log in|sign in|register)\W*$",
        r"^subscribe to (the |our )?[\w ]{0,40}(channel|newsletter|podcast|feed)\b",
        r"^[\w ]{0,30}newsletter\W*$",
    ),
    "inline_teaser": (
        r"^(read more|see more|read also|also read|read next|related|related coverage"
        r"|related content|more on this|recommended|watch|listen|must read|don'?t miss"
        r"|see also|more|also on [\w.-]+|editor'?s picks?)\s*[:|»›>–—-]+\s*\S",
        r"^also on [\w-]+\.(com|net|org|co\.uk|ru)\b",
    ),
    "author_contact": (
        r"^have a (news )?tip\b",
        r"\b(may|can) be reached at\b.*@",
        r"^(email|e-mail|contact|reach) (the (author|reporter|writer)|\w+( \w+)?) (at|via) \S+@",
        r"^follow (him|her|them|me|us|the author|\w+) on (twitter|facebook|instagram|x)\b",
        r"^follow us @\w+",
        r"^write to [\w .'’-]{2,60} at \S+@\S+",
    ),
    "credit_line": (r"^((additional )?reporting|writing|editing|compiled|produced) by\b.{0,200}$",),
    "page_ui": (
        r"^(text size|font size|order reprints|print( this)?( article| page)?|by|listen( to this"
        r" article)?|\d+ min(ute)?s? read|reading time\b.{0,20}|share this article|jump to"
        r"|skip to (main )?content|back to top|show more|load more|expand|close|menu)\W*$",
        r"^an error (has )?occurred\b.{0,60}$",
        r"^this (article|story) has been sent to\b",
    ),
    "tags": (
        r"^(tags|tagged( with)?|topics|categories|filed under|categorias|etiquetas|schlagworte)"
        r"\s*:?(\s.{0,300})?$",
    ),
    "markup_residue": (
        r"^[a-z0-9]+(-[a-z0-9]+){2,}$",
        r"^\[\w+[^\]]*\].{0,200}\[/\w+\]$",
    ),
    "copyright": (
        # the notice names a year or an owner (capitalised) right after the word
        r"^(copyright|©|\(c\))\s*(©\s*)?((?-i:[A-Z][\w&.,'’-]*)\s+){0,4}(19|20)\d\d\b.{0,160}$",
        r"^©\s*[\w .&/-]{2,60}$",
        r"\ball rights reserved\W*$",
        r"^this (copy|material) is for your personal,? non-commercial use only\b",
        r"\bmay not be (published|reproduced|broadcast)\b.{0,40}(rewritten|redistributed)\b",
    ),
    "advertisement": (
        r"^(advertisement|advertising|sponsored|sponsored content|paid content|ad|promoted)\W*$",
        r"^(story|article) continues (below|after)( (the )?advertisement)?\W*$",
        r"^(continue reading|scroll to continue)( (below|with content))?\W*$",
    ),
    "comments_prompt": (
        r"^(tell us what (you|YOU) think|leave a (comment|reply)|join the (conversation|discussion)"
        r"|show comments|view comments|add a comment|post a comment)\W*$",
        r"^\d*\s*comments?\W*$",
    ),
    "media_credit": (
        r"^(image|photo|picture|video|graphic)( copyright| credit| source| caption)?\s*[:©]"
        r".{0,80}$",
        r"^(getty images|reuters|ap photo|afp|shutterstock)(/[\w ]+)?\W*$",
    ),
    "update_stamp": (
        r"^(updated|published|posted|last updated|first published|modified)( at| on)?:?\s+"
        r"[\w ,:./-]{0,40}\d[\w ,:./-]{0,30}$",
    ),
}

EDGE_RULES: dict[str, tuple[str, ...]] = {
    # The page's own address printed by the scraper; links inside the body are content.
    "edge_url": (r"^(https?://|www\.)\S+$",),
}
"""Like LINE_RULES, but only among the first or last few lines of the text."""

SECTION_HEADINGS: tuple[str, ...] = (
    r"^(other|more|related|top|latest|popular|trending|recommended|featured)"
    r"( \w+){0,2} (topics|stories|articles|news|posts|reads|videos|coverage|content|links)"
    r"( of interest| for you| from [\w .]+| you may like)?\W*$",
    r"^(related|read more|more|see also|also read|read next|recommended( for you)?|don'?t miss"
    r"|see more( photos| pictures| images| videos)?|leggi anche|lesen sie auch|mehr zum thema"
    r"|lire aussi|à lire aussi|leia também|veja também|lea también|читайте также"
    r"|you (may|might) (also )?(like|enjoy|be interested in)|in other news|what to read next"
    r"|trending( now)?|most (read|popular|viewed|shared)|editor'?s picks?|further reading"
    r"|more from [\w .]+|more in [\w .]+|more like this|around the web|from our partners)\W*$",
)

# BYLINE and DATELINE are matched case-sensitively: capitals are the signal.
BYLINE: tuple[str, ...] = (
    r"^(?i:by)\s+(?P<author>[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
    r"(?:(?:,| and| &)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3})*)"
    r"(?:\s*[,|–—-]\s*.{0,60})?$",
)

MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july"
    "|august|september|october|november|december"
)
DATELINE: tuple[str, ...] = (
    # "November 20, 2019 - 11:28 AMT", "Nov. 18, 2019 10:02 a.m. ET", "20 November 2019"
    rf"^(?i:(\w+day,?\s+)?((\d{{1,2}}\s+)?({MONTHS})\.?\s+\d{{1,2}}?,?\s*\d{{4}}|\d{{1,4}}[/.-]\d{{1,2}}"
    rf"[/.-]\d{{2,4}})([\s,|–—-]+(at\s+)?\d{{1,2}}[:.]\d{{2}}(\s*[ap]\.?m\.?)?(\s+[a-z]{{2,4}})?)?)\W*$",
    # "BAAR, SWITZERLAND": a place line in capitals, as wires start a story
    # "WASHINGTON (AP) —": a place in capitals, as wires start a story; a comma, an agency or a
    # dash tells it from a subheading in capitals
    r"^[A-Z][A-Z .'-]{1,30}(,\s*[A-Z][A-Za-z .'-]{1,30}|\s*\([A-Z]{2,10}\)|\s*[–—-])"
    r"(\s*\([A-Z]{2,10}\))?\s*[–—-]?$",
)
