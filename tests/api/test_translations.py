"""The server's catalogs (api/i18n.py): every word marked for translation is in every
catalog, with the same placeholders, and each committed .mo is what its .po compiles to."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from api.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["es"]  # every language but English, whose words are the code's own
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def marked() -> set[str]:
    """Every string the server code marks with _() or gettext()."""
    found = set()
    for folder in ("api", "worker"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords={"_": None, "gettext": None}
        ):
            found.add(message)
    return found


def catalog(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po)


def test_the_server_marks_its_words_to_patients():
    words = marked()
    assert "A short check-in is ready whenever you are." in words  # the reminder push
    assert "Your invitation to Waypoint" in words  # the invite email


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated_with_its_placeholders(language):
    messages = {m.id: m for m in catalog(language) if m.id}
    missing = sorted(w for w in marked() if w not in messages or not messages[w].string)
    assert missing == [], f"not translated into {language}: {missing}"
    for word in marked():
        translated = messages[word]
        assert not translated.fuzzy, word
        assert set(PLACEHOLDER.findall(translated.string)) == set(PLACEHOLDER.findall(word))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(language):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        compiled = {m.id: m.string for m in read_mo(mo) if m.id}
    written = {m.id: m.string for m in catalog(language) if m.id and m.string}
    assert compiled == written, "run `make translations` and commit the .mo"
