"""What a result cannot promise: the language and length checks of a text, shown by every front end.

The models were trained on whole English news articles. Given anything else they still answer, so
every Document says when its text is not English or much shorter than a news article, in
``meta["warnings"]`` (a list of ``{"code", "message"}``), and names the language it detected in
``meta["language"]`` (an ISO 639-1 code). The CLI prints the warnings, the report and the web page
show them in a banner, the REST API returns them in the Document JSON.

Language detection is py3langid (offline, numpy only). Its model takes half a second and about
70 MB to load, so it is asked only about texts whose words are not plainly English: a text in
which common English function words ("the", "of", "and", ...) make up at least a fifth of the
words is English (the lowest share among the 461 PTC articles is a quarter; German, French,
Spanish, Italian and Dutch news run at 0 to 11%).
"""

from __future__ import annotations

import re
import threading
from typing import Any

SHORT_WORDS = 100  # the shortest of the 371 training articles has 112 words; a tenth have under 341
LANGUAGE_WORDS = 8  # below this, no detector can tell a language reliably
ENGLISH_SHARE = 0.2
CONFIDENT = 0.9  # py3langid's normalised probability needed to call a text not English
_SAMPLE = 20_000  # characters looked at: enough to tell, bounded cost on a book
_WORD = re.compile(r"[^\W\d_]+")
_ENGLISH_WORDS = (  # the commonest words of English news, few of which other languages share
    "the of and to a in is that for it on was with as he be by at are this have from or not but they "
    "his had an which you we were her she has their been will would there who said all its one more "
    "about than can no if our what when up out so also after them into i him my just do new me your "
    "over says could only some these other any how like did should us time because those then even"
)
_ENGLISH = frozenset(_ENGLISH_WORDS.split())
_NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian",
    "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
    "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
_LOCK = threading.Lock()
_IDENTIFIER: Any = None


def language_name(code: str) -> str:
    """A language's English name from its ISO 639-1 code, else the code."""
    return _NAMES.get(code, f"language {code!r}")


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None when it has too few words to tell or
    the detector is unsure."""
    words = _WORD.findall(text[:_SAMPLE].lower())
    if len(words) < LANGUAGE_WORDS:
        return None
    if sum(w in _ENGLISH for w in words) >= ENGLISH_SHARE * len(words):
        return "en"
    code, probability = _identifier().classify(text[:_SAMPLE])
    return str(code) if probability >= CONFIDENT else None


def text_checks(text: str) -> dict[str, Any]:
    """What a Document's meta says about its text: ``language`` (when it could be told) and
    ``warnings`` (when there are any); nothing for blank text."""
    words = len(_WORD.findall(text))
    if not words:
        return {}
    found: dict[str, Any] = {}
    warnings = []
    language = detect_language(text)
    if language is not None:
        found["language"] = language
    if language not in (None, "en"):
        warnings.append(
            {
                "code": "W-LANGUAGE",
                "message": f"this text looks like {language_name(language)} ({language}), not English: "
                "the model was trained on English news only, so its spans and scores mean little here",
            }
        )
    if words < SHORT_WORDS:
        warnings.append(
            {
                "code": "W-SHORT",
                "message": f"a short text ({words} {'word' if words == 1 else 'words'}): the model was "
                f"trained on whole news articles (the shortest had 112 words) and finds much less in a "
                "sentence or a paragraph, so results are less reliable and missing spans mean little",
            }
        )
    if warnings:
        found["warnings"] = warnings
    return found


def _identifier() -> Any:
    global _IDENTIFIER
    with _LOCK:
        if _IDENTIFIER is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _IDENTIFIER = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _IDENTIFIER


__all__ = ["SHORT_WORDS", "detect_language", "language_name", "text_checks"]
