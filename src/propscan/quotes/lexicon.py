"""Word lists the rules share: speech verbs, titles, role nouns, pronouns. Plain sets, no model."""

from __future__ import annotations

import re


def _forms(*lemmas: str) -> set[str]:
    """Regular inflections of each lemma ("say" is irregular and listed by hand)."""
    out: set[str] = set()
    for lemma in lemmas:
        if lemma.endswith("e"):
            stem = lemma[:-1]
            out |= {lemma, lemma + "s", lemma + "d", stem + "ing"}
        elif lemma.endswith("y") and lemma[-2] not in "aeiou":
            out |= {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        elif lemma.endswith(("s", "sh", "ch", "x")):
            out |= {lemma, lemma + "es", lemma + "ed", lemma + "ing"}
        else:
            out |= {lemma, lemma + "s", lemma + "ed", lemma + "ing"}
    return out


_IRREGULAR = {
    "say", "says", "said", "saying", "tell", "tells", "told", "telling", "write", "writes", "wrote",
    "written", "writing", "think", "thinks", "thought", "teach", "teaches", "taught", "teaching",
    "admit", "admits", "admitted", "admitting", "vow", "vows", "vowed", "vowing",
}

# Verbs whose clause is reported content even without "that": "Smith said the plan failed".
SAY_VERBS = (_IRREGULAR | _forms(
    "claim", "argue", "insist", "believe", "allege", "assert", "contend", "concede", "suggest",
    "warn",
)) - {"teach", "teaches", "taught", "teaching", "write", "writes", "wrote", "written", "writing",
     "admit", "admits", "admitted", "admitting", "vow", "vows", "vowed", "vowing"}

# Verbs that also take a plain object ("confirmed the news", "admitted refugees"): they report a
# clause only with "that", a colon, or an attribution placed after the clause.
THAT_VERBS = {"teach", "teaches", "taught", "teaching", "write", "writes", "wrote", "written",
              "writing", "admit", "admits", "admitted", "admitting", "vow", "vows", "vowed",
              "vowing"} | _forms(
    "announce", "state", "add", "explain", "note", "report", "declare", "acknowledge",
    "maintain", "testify", "reveal", "confirm", "predict", "promise", "stress", "emphasize",
    "emphasise", "complain", "deny", "tweet", "recall", "observe", "conclude", "reply", "respond",
    "remark", "pledge", "boast", "speculate", "charge", "restate", "reiterate",
)

REPORT_VERBS = SAY_VERBS | THAT_VERBS

# Verbs that attribute quoted words but take no reported clause of their own (or not reliably):
# "“…,” he continued", "she called it “a disaster”", "he asked: “…?”".
QUOTE_ONLY_VERBS = _forms(
    "ask", "call", "describe", "continue", "shout", "yell", "scream", "exclaim", "whisper",
    "quip", "joke", "recount", "detail", "wonder", "read", "post", "retweet", "answer", "demand",
    "urge", "plead", "beg", "muse", "echo", "proclaim", "thunder", "scoff", "lament", "retort",
    "counter", "protest", "repeat", "caution", "advise", "dub", "label", "term", "characterize",
    "cite", "quote", "define", "brand", "chant", "sing", "cry", "reason",
) | {"cried", "cries", "sang"}

ATTRIBUTION_VERBS = REPORT_VERBS | QUOTE_ONLY_VERBS

# Words that may sit between a subject and its verb: "Smith also said", "he later told".
SKIPPABLE = {
    "also", "then", "later", "further", "again", "once", "previously", "recently", "reportedly",
    "has", "had", "have", "would", "will", "did", "does", "do", "had", "just", "even", "still",
    "publicly", "already", "not", "never", "repeatedly", "openly", "simply", "often", "quickly",
    "has", "been", "allegedly", "subsequently", "finally", "explicitly", "specifically", "both",
}
PHRASAL_SKIPS = ("attempted to", "tried to", "went on to", "goes on to", "go on to", "continued to",
                 "wanted to", "wants to", "went so far as to", "used to")

PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f"}
GROUP_PRONOUNS = {"they", "them", "it", "someone", "somebody", "many", "some", "others"}
AUTHOR_PRONOUNS = {"i", "we", "you", "one"}  # "one can only conclude that" is the author too
RELATIVES = {"who", "which", "that", "whom"}
DEMONSTRATIVES = {"this", "that", "these", "those", "which", "what", "it"}

# Titles and honorifics: part of a mention ("Rep. Steve King") but not of the speaker string.
TITLES = {
    "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "rev",
    "reverend", "father", "fr", "sister", "brother", "rabbi", "imam", "sheikh", "shaykh",
    "cardinal", "archbishop", "bishop", "pope", "pastor", "president", "vice", "senator", "sen",
    "rep", "reps", "representative", "congressman", "congresswoman", "gov", "governor", "mayor",
    "judge", "justice", "gen", "general", "col", "colonel", "capt", "captain", "lt", "sgt",
    "officer", "chief", "minister", "pm", "prime", "secretary", "chairman", "chairwoman", "chair",
    "ambassador", "attorney", "sheriff", "commissioner", "director", "king", "queen", "prince",
    "princess", "chancellor", "speaker", "leader", "deputy", "premier", "spokesman",
    "spokeswoman", "spokesperson", "inspector", "candidate", "activist", "author", "host",
    "commentator", "columnist", "editor", "founder", "ceo", "potus", "flotus", "msgr", "mp",
    "mep", "rabbi",
}
FEMALE_TITLES = {"mrs", "ms", "miss", "dame", "lady", "sister", "queen", "princess",
                 "congresswoman", "chairwoman", "spokeswoman"}

# Head nouns of descriptions that refer back to a person: "the senator said", "the man added".
ROLE_NOUNS = TITLES | {
    "man", "woman", "lawyer", "official", "photographer", "journalist", "reporter", "expert",
    "politician", "pontiff", "priest", "ig", "victim", "witness", "staffer", "advocate", "doctor",
    "scientist", "researcher", "analyst", "economist", "historian", "cleric", "preacher",
    "lawmaker", "legislator", "diplomat", "boss", "physician", "survivor", "mother", "father",
    "congressman", "businessman", "billionaire", "star", "actor", "actress", "singer", "player",
    "coach", "owner", "teacher", "student", "nominee", "businesswoman", "insider", "strategist",
}

# Plural or mass sources that name nobody, capitalised or not at a sentence start.
GENERIC_SOURCES = {
    "officials", "critics", "police", "experts", "reports", "sources", "witnesses", "authorities",
    "residents", "analysts", "scientists", "researchers", "observers", "people", "others",
    "supporters", "opponents", "activists", "studies", "documents", "investigators", "prosecutors",
    "lawmakers", "insiders", "aides", "staffers", "officers", "agents", "locals", "media", "polls",
}

# Words that end a backward search for a subject: "…, but explained" has none of its own.
FUNCTION_WORDS = {
    "and", "but", "or", "nor", "that", "if", "because", "while", "although", "though", "as",
    "than", "so", "then", "to", "of", "in", "on", "at", "for", "with", "by", "from", "not",
    "also", "when", "where", "whether", "after", "before", "since", "until", "unless", "yet",
    "is", "was", "are", "were", "be", "been", "being", "has", "have", "had", "who", "which",
}

# Capitalised words that start sentences or headlines but never names.
NOT_NAMES = {
    "the", "a", "an", "this", "that", "these", "those", "however", "but", "and", "or", "so",
    "then", "now", "also", "in", "on", "at", "as", "after", "before", "when", "while", "if",
    "meanwhile", "instead", "still", "yet", "thus", "indeed", "moreover", "furthermore", "for",
    "from", "with", "without", "by", "to", "of", "according", "asked", "speaking", "writing",
    "last", "next", "earlier", "today", "yesterday", "tomorrow", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "he", "she", "it", "they", "we", "i", "you", "his", "her", "their", "our", "my", "its",
    "there", "here", "what", "why", "how", "who", "where", "which", "do", "does", "did", "is",
    "are", "was", "were", "be", "not", "no", "yes", "update", "breaking", "watch", "video",
    "exclusive", "report", "editor", "note", "read", "more", "new", "all", "one", "some",
    "many", "most", "both", "each", "every", "any", "shock", "proof", "confirmed", "warning",
    "alert", "live", "photos", "photo", "opinion", "analysis", "just", "only", "even",
    # sentence-initial imperatives and quantifiers
    "take", "make", "let", "please", "keep", "remember", "consider", "imagine", "see", "look",
    "click", "several", "few", "such", "other", "others", "either", "neither", "nobody",
    "everyone", "everybody", "someone", "somebody", "anyone", "nothing", "everything",
    "something", "thank", "thanks", "if", "unless", "because", "although", "though", "whether", "despite",
}

# Words that make a capitalised run an organisation rather than a person.
ORG_WORDS = {
    "caucus", "committee", "party", "church", "news", "agency", "department", "office",
    "university", "times", "post", "council", "association", "foundation", "institute",
    "commission", "court", "house", "senate", "congress", "union", "ministry", "government",
    "bank", "group", "company", "corporation", "inc", "network", "magazine", "wire", "radio",
    "television", "tv", "review", "journal", "center", "centre", "organization", "movement",
    "campaign", "force", "army", "police", "service", "bureau", "administration", "republic",
    "state", "states", "kingdom", "nation", "conference", "school", "college", "club", "team",
    "board", "fund", "project", "action", "media", "press", "daily", "tribune", "herald",
}

# Name particles that may sit inside a capitalised run: "Charles de Gaulle", "Osama bin Laden".
PARTICLES = {"de", "da", "di", "del", "della", "van", "von", "der", "den", "bin", "ibn", "al",
             "el", "la", "le", "du", "dos", "das", "ben", "of"}

# Abbreviations whose period does not end a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "reps", "gov", "gen", "col", "capt", "lt",
    "sgt", "st", "jr", "sr", "rev", "fr", "msgr", "hon", "mt", "ft", "no", "vs", "v", "etc",
    "inc", "ltd", "co", "corp", "dept", "univ", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "a.m", "p.m", "d.c",
}

PREPOSITIONS = {
    "in", "on", "at", "during", "after", "before", "to", "for", "with", "from", "about", "via",
    "by", "through", "over", "last", "earlier", "this", "late", "early", "when", "while",
}
RECIPIENT_VERBS = {"tell", "tells", "told", "telling", "warn", "warns", "warned", "warning",
                   "assure", "assured", "remind", "reminded", "inform", "informed"}

WORD = re.compile(r"[^\W_](?:[\w’'\-.]*[^\W_])?")
