"""The patient app's catalogs (pwa/js/words/*.js, read through pwa/js/i18n.js): every key in
every language with the same `{names}`, and every key the app's code and pages use is there.
A string missing from a catalog fails here, before any patient sees a blank."""

import json
import re
import sys
from pathlib import Path

import pytest

import surveys

PWA = Path(__file__).resolve().parents[2] / "pwa"
WORDS = PWA / "js" / "words"
ENTRY = re.compile(r'^\s*"([\w.]+)":\s*"((?:[^"\\]|\\.)*)",?\s*$', re.MULTILINE)
NAMES = re.compile(r"\{(\w+)\}")
#: English entries that are empty on purpose: notes about questions not in the app's language,
#: never shown in English (the instruments' own language).
EMPTY_IN_ENGLISH = {
    "instrument.notInLanguage",
    "instrument.itemNotInLanguage",
    "crisis.lifelineNote",
}


def entries(language):
    """A catalog's {key: words}, refusing anything that is not one plain entry per key."""
    text = (WORDS / f"{language}.js").read_text(encoding="utf-8")
    body = text[text.index("export default {") + len("export default {") : text.rindex("};")]
    # Prettier puts a long entry's words on the next line: join them first.
    body = re.sub(r':\n\s+"', ': "', body)
    found = {}
    for key, words in ENTRY.findall(body):
        assert key not in found, f"{language}: {key} twice"
        found[key] = json.loads(f'"{words}"')
    lines = [
        line for line in body.splitlines() if line.strip() and not line.strip().startswith("//")
    ]
    assert len(found) == len(lines), f"{language}: an entry this test cannot read"
    return found


def used_keys():
    """The keys the app's code and pages name: t("key"), and data-t="key" in the pages."""
    keys = set()
    for path in [*PWA.joinpath("js").rglob("*.js"), *PWA.glob("*.html")]:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r'\bt\(\s*"([\w.]+)"', text))
        keys |= set(re.findall(r'data-t="([\w.]+)"', text))
    # Keys made from a name: each of the names they are made from.
    keys |= {
        f"instrument.{code}.{part}"
        for code in surveys.all_definitions()
        for part in ("name", "about")
    }
    keys |= {f"weekday.{d}" for d in range(7)} | {f"weekdays.{d}" for d in range(7)}
    keys |= {f"delivery.{k}" for k in ("told", "sending", "offline", "refused", "unsent")}
    keys |= {f"status.{k}" for k in ("saving", "waiting", "later", "sent", "refused", "signedOut")}
    return keys


@pytest.mark.parametrize("language", ["es"])
def test_every_catalog_has_every_key_with_the_same_names(language):
    english, other = entries("en"), entries(language)
    assert sorted(set(english) - set(other)) == [], f"missing in {language}"
    assert sorted(set(other) - set(english)) == [], f"only in {language}"
    for key, words in english.items():
        assert set(NAMES.findall(other[key])) == set(NAMES.findall(words)), key
        assert other[key].strip(), f"{language}: {key} is empty"
        assert words.strip() or key in EMPTY_IN_ENGLISH, f"en: {key} is empty"


def test_every_key_the_app_uses_is_in_the_catalog():
    english = entries("en")
    assert len(used_keys()) > 100
    assert sorted(used_keys() - set(english)) == []


def test_this_test_sees_a_missing_string(tmp_path, monkeypatch):
    text = (WORDS / "es.js").read_text(encoding="utf-8")
    broken = re.sub(r'^\s*"checkin.next":.*\n', "", text, flags=re.MULTILINE)
    assert broken != text
    (tmp_path / "es.js").write_text(broken, encoding="utf-8")
    (tmp_path / "en.js").write_text((WORDS / "en.js").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "WORDS", tmp_path)
    with pytest.raises(AssertionError, match="missing in es"):
        test_every_catalog_has_every_key_with_the_same_names("es")


def test_every_key_in_the_catalog_is_used():
    """No dead words: each key is named by the code or pages, whole (`t("key")`, a quoted
    `"key"`) or as a family the code fills in (`t(`stop.${key}`)`)."""
    code = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*PWA.joinpath("js").rglob("*.js"), *PWA.glob("*.html")]
        if path.parent != WORDS
    )
    families = set(re.findall(r"t\(`([\w.]+)\.\$\{", code))
    unused = [
        key
        for key in entries("en")
        if key not in used_keys()
        and f'"{key}"' not in code
        and key.rsplit(".", 1)[0] not in families
    ]
    assert unused == []
