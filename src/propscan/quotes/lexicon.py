"""Word lists the rules share: speech verbs, titles, role nouns, pronouns. Plain sets, no model."""

from __future__ import annotations

import re


def _words(block: str) -> frozenset[str]:
    return frozenset(block.split())


def _forms(block: str) -> frozenset[str]:
    """Regular inflections of each lemma of the block ("say" is irregular and listed by hand)."""
    out: set[str] = set()
    for lemma in block.split():
        if lemma.endswith("e"):
            out |= {lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"}
        elif lemma.endswith("y") and lemma[-2] not in "aeiou":
            out |= {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        elif lemma.endswith(("s", "sh", "ch", "x")):
            out |= {lemma, lemma + "es", lemma + "ed", lemma + "ing"}
        else:
            out |= {lemma, lemma + "s", lemma + "ed", lemma + "ing"}
    return frozenset(out)


# Verbs whose clause is reported content even without "that": "Smith said the plan failed".
SAY_VERBS = _words("""
    say says said saying tell tells told telling think thinks thought
""") | _forms("""
    claim argue insist believe allege assert contend concede suggest warn
""")

# Verbs that also take a plain object ("confirmed the news", "admitted refugees"): they report a
# clause only with "that", a colon, a subject pronoun, or an attribution placed after the clause.
THAT_VERBS = _words("""
    teach teaches taught teaching write writes wrote written writing admit admits admitted
    admitting vow vows vowed vowing
""") | _forms("""
    announce state add explain note report declare acknowledge maintain testify reveal confirm
    predict promise stress emphasize emphasise complain deny tweet recall observe conclude reply
    respond remark pledge boast speculate restate reiterate imply hint express voice whine lament
    complain rule charge
""")

# Verbs that are as often nouns ("a small charge that", "the report that"): they report
# only with a person (a name, a pronoun, a described person) as their subject.
NOUN_PRONE = _forms("charge note report state promise tweet post")

REPORT_VERBS = SAY_VERBS | THAT_VERBS

# Verbs that attribute quoted words but take no reported clause of their own (or not reliably):
# "“…,” he continued", "she called it “a disaster”", "he asked: “…?”".
QUOTE_ONLY_VERBS = _words("cried cries sang") | _forms("""
    ask call describe continue shout yell scream exclaim whisper quip joke recount detail wonder
    read post retweet answer demand urge plead beg muse echo proclaim thunder scoff
    retort counter protest repeat caution advise dub label term characterize cite quote define
    brand chant sing cry reason appeal decry denounce deplore condemn criticize criticise slam
    blast hail praise grumble mutter rant sneer snap fume concur opine interject gush rave vent
    tout admonish scold chide berate exhort implore
""")

ATTRIBUTION_VERBS = REPORT_VERBS | QUOTE_ONLY_VERBS

# Words that may sit between a subject and its verb: "Smith also said", "he later told",
# "he didn’t say" (contractions are matched with a straight apostrophe).
SKIPPABLE = _words("""
    didn't doesn't don't won't wouldn't can't couldn't hasn't haven't hadn't isn't wasn't

    again allegedly already also been both can could did do does even explicitly finally further had
    has have just later may might must never not often once openly previously publicly quickly
    recently repeatedly reportedly shall should simply specifically still subsequently then will
    would
""")

PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f"}
GROUP_PRONOUNS = _words("they them it someone somebody many some others")
AUTHOR_PRONOUNS = _words("i we you one")  # "one can only conclude that" is the author too
RELATIVES = _words("who which that whom")

# Titles and honorifics: part of a mention ("Rep. Steve King") but not of the speaker string.
TITLES = _words("""
    activist ambassador archbishop attorney author bishop brother candidate capt captain cardinal
    ceo chair chairman chairwoman chancellor chief col colonel columnist commentator commissioner
    congressman congresswoman dame deputy director dr editor father flotus founder fr gen general
    gov governor host imam inspector judge justice king lady leader lord lt mayor mep minister miss
    mp mr mrs ms msgr officer pastor pm pope potus premier president prime prince princess prof
    professor queen rabbi rep representative reps rev reverend secretary sen senator sgt shaykh
    sheikh sheriff sir sister speaker spokesman spokesperson spokeswoman vice
""")
FEMALE_TITLES = _words("""
    chairwoman congresswoman dame lady miss mrs ms princess queen sister spokeswoman
""")

# Head nouns of descriptions that refer back to a person: "the senator said", "the man added".
ROLE_NOUNS = TITLES | _words("""
    actor actress advocate analyst billionaire boss businessman businesswoman cleric coach diplomat
    doctor economist expert historian ig insider journalist lawmaker lawyer legislator man mother
    nominee official owner photographer physician player politician pontiff preacher priest reporter
    researcher scientist singer staffer star strategist student survivor teacher victim witness
    woman mom dad father wife husband son daughter brother sister nurse cop soldier veteran nun
    source judge prosecutor detective agent manager worker neighbor neighbour resident
""")

# Plural or mass sources that name nobody, capitalised or not at a sentence start.
GENERIC_SOURCES = _words("""
    activists agents aides analysts authorities critics documents experts insiders investigators
    lawmakers locals media observers officers officials opponents others people police polls
    prosecutors reports researchers residents scientists sources staffers studies supporters
    witnesses
""")

# Words that end a backward search for a subject: "…, but explained" has none of its own.
FUNCTION_WORDS = _words("""
    after also although and are as at be because been before being but by for from had has have if
    in is nor not of on or since so than that then though to unless until was were when where
    whether which while who with yet
""")

# Capitalised words that start sentences or headlines but are never names, sentence-initial
# imperatives and quantifiers included ("Take note that …").
NOT_NAMES = _words("""
    a according after alert all also although an analysis and any anyone april are as asked at
    august be because before both breaking but by click confirmed consider december despite did do
    does each earlier editor either even every everybody everyone everything exclusive february few
    for friday from furthermore he her here his how however i if imagine in indeed instead is it its
    january july june just keep last let live look make many march may meanwhile monday more
    moreover most my neither new next no nobody not note nothing november now october of on one only
    opinion or other others our photo photos please proof read remember report saturday see
    september several she shock so some somebody someone something speaking still such sunday take
    thank thanks that the their then there these they this those though thursday thus to today
    tomorrow tuesday unless update video warning was watch we wednesday were what when where whether
    which while who why with without writing yes yesterday yet you
""")

# Words that make a capitalised run an organisation or a place rather than a person.
ORG_WORDS = _words("""
    east west north south city county street avenue sea river island islands gulf coast valley
    bay lake mountain mountains park square airport station hotel hall district province region
    peninsula america africa asia europe korea arabia york vegas angeles francisco kingdom
    action administration agency army association bank board bureau campaign caucus center centre
    church club college commission committee company conference congress corporation council court
    daily department force foundation fund government group herald house inc institute journal
    kingdom magazine media ministry movement nation network news office organization party police
    post press project radio republic review school senate service state states team television
    times tribune tv union university wire
""")

# Name particles that may sit inside a capitalised run: "Charles de Gaulle", "Osama bin Laden".
PARTICLES = _words("al ben bin da das de del della den der di dos du el ibn la le of van von")

# Abbreviations whose period does not end a sentence.
ABBREVIATIONS = _words("""
    a.m apr aug capt co col corp d.c dec dept dr e.g etc feb fr ft gen gov hon i.e inc jan jr jul
    jun lt ltd mar mr mrs ms msgr mt no nov oct p.m prof rep reps rev sen sep sept sgt sr st u.k u.n
    u.s univ v vs
""")

# Words that open an adverbial after a verb ("said in a statement", "told reporters on Monday").
PREPOSITIONS = _words("""
    about after at before by during earlier early for from in last late on over this through to via
    when while with
""")
RECIPIENT_VERBS = _words("""
    assure assured inform informed remind reminded tell telling tells told warn warned warning warns
""")


# Clause shapes of indirect speech (see clauses.py).
BE = _words("is was are were be been being am")
# Recipients of tell/warn: "told reporters", "told them"; a capitalised word is one too.
OBJECTS = _words("""
    a an audiences congress her him his investigators journalists lawmakers listeners me members
    police readers reporters students supporters the their them us viewers you
""")
# Adverbials between a verb and its clause: "said on Monday that", "stressed, though, that".
TIME_WORDS = _words("""
    afterward afterwards again also earlier first friday further however last later monday now
    once previously privately publicly recently repeatedly saturday sunday then though thursday
    today tonight too tuesday wednesday yesterday
""")
QUESTION_WORDS = _words("asked asking ask asks whether wondered wondering")
SUBJECT_WORDS = _words("he she they it we i you there this")
TOLD_THINGS = _words("truth lie lies story stories tale tales joke jokes")
# A reported clause does not open with these: "said it best", "saying what", "believes happened".
NOT_OPENERS = _words("""
    as while when after before during since until would could will can should might must may
    did does do shall
    ( - [ and are at be been but by for from goodbye had has have hello in is no nor nothing of
    on or so sorry than thanks to was were what with yes yet – —
""")
# Words that open another clause, where the subject of an attribution cannot reach back past.
PHRASE_STOP = _words("""
    are as at because but by for from how if in is on so than that then to was were what when
    where which while who why with
""")
DETERMINERS = _words("""
    a an another her his its many my one other our several some that the their these this those
    three two your
""")


NEGATIONS = _words("""
    not never didn't doesn't don't won't wouldn't can't couldn't hasn't haven't hadn't isn't
    wasn't cannot
""")
# Finite verbs and auxiliaries that show a clause: "the US will stop", "there are no limits".
CLAUSE_VERBS = _words("is was are were will would can could should must may might has have had does did")
# Words that may follow a subject as its verb: "Reed had mounted", "Lee praised" (and -ed, -s).
VERB_LIKE = CLAUSE_VERBS | _words("""
    also then later spoke told wrote met went gave took made came saw got sent put ran held kept
    left brought thought found became began showed knew felt sat stood led paid sold
""")


Trie = dict[str, "Trie"]


def trie_pattern(words: frozenset[str]) -> str:
    """One regex alternation for many words, factored by common prefix so that matching it costs
    about as much as matching one word ("say|said|says" becomes "sa(?:id|y(?:s)?)")."""
    trie: Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _pattern(trie)


def _pattern(node: Trie) -> str:
    branches = [re.escape(ch) + _pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return "(?:" + body + ")?" if "" in node else body
