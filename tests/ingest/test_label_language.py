"""The label rule for exports said to be Italian: English words leave a label untagged, Italian words win."""

from __future__ import annotations

import pytest

from cdkg.ingest.label_language import export_label_language, looks_english


@pytest.mark.parametrize(
    "label",
    [
        "City of Leeds",
        "Nicosia Municipality",
        "Paphos Municipality",
        "Märjamaa Rural Municipality",
        "Municipality of Ancient Olympia",
        "Dergachi, Saratov Oblast",
        "Saint John's",
        "Kingston upon Hull",
        "Long Beach",
    ],
)
def test_labels_showing_english_words_are_left_untagged_in_an_italian_export(label):
    assert looks_english(label)
    assert export_label_language(label, "it") is None


@pytest.mark.parametrize(
    "label",
    [
        "Parigi",
        "Betlemme",
        "comune di Östersund",
        "contea di Dublino Sud",
        "città di Lake Macquarie",
        "distretto di contea di Neath Port Talbot",
        "oblast' di Leopoli",
        "Starobil's'k",
        "Halle (Saale)",
    ],
)
def test_italian_labels_and_plain_names_stay_italian(label):
    assert not looks_english(label)
    assert export_label_language(label, "it") == "it"


def test_other_languages_are_taken_as_given():
    assert export_label_language("City of Leeds", "de") == "de"
    assert export_label_language("City of Leeds", "en") == "en"
    assert export_label_language("City of Leeds", None) is None
