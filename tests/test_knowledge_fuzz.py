"""Malformed knowledge files are refused at load, each problem naming the file, the entry and the field.

knowledge/ is copied to a temporary directory and broken there: YAML that does not parse, binary junk,
wrong types, unknown condition types, duplicate ids, a key written twice, broken opening_hours, a need,
place or emergency that does not exist, Python object tags. `check_catalogue(path)` must return the
problems (never raise), `load_catalogue(path)` must raise CatalogueError naming them. Hypothesis then
mutates an aid file at random (any field replaced by any YAML value, or bytes flipped): the check never
raises, and every error it reports names a file.
"""

from __future__ import annotations

import random
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalogue import KNOWLEDGE_DIR, CatalogueError, check_catalogue, load_catalogue
from bot.rules.screen import screen

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("knowledge") / "knowledge"
    shutil.copytree(KNOWLEDGE_DIR, root)
    return root


@pytest.fixture(scope="module")
def scratch(tmp_path_factory, pristine) -> Path:
    """A copy the random tests break one file at a time, restoring it after each example."""
    root = tmp_path_factory.mktemp("scratch") / "knowledge"
    shutil.copytree(pristine, root)
    return root


@pytest.fixture
def knowledge(tmp_path, pristine) -> Path:
    root = tmp_path / "knowledge"
    shutil.copytree(pristine, root)
    return root


def errors_of(root: Path) -> list:
    catalogue, problems = check_catalogue(root, today=TODAY)
    errors = [p for p in problems if p.severity == "error"]
    assert (catalogue is None) == bool(errors)
    return errors


def assert_refused(root: Path, file: str, entry: str, field: str, words: str = "") -> None:
    """check_catalogue reports an error at exactly this file / entry / field (field: a prefix), and
    load_catalogue refuses the catalogue, naming it."""
    errors = errors_of(root)
    matching = [p for p in errors if p.file == file and p.entry == entry and p.field.startswith(field)
                and words.lower() in p.message.lower()]
    assert matching, f"no error at {file} [{entry}] {field} ({words}); got: {[str(p) for p in errors]}"
    with pytest.raises(CatalogueError) as refused:
        load_catalogue(root)
    assert str(matching[0]) in str(refused.value)
    assert refused.value.problems


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# ------------------------------------------------------------------------------ the baseline


def test_the_copy_is_valid(pristine):
    assert errors_of(pristine) == []
    assert load_catalogue(pristine).aids


# ------------------------------------------------------------------------------ YAML itself


@pytest.mark.parametrize("content", [
    "id: rsa\nconditions: [\n",  # unclosed flow sequence
    "id: rsa\n  name: bad indentation\n",
    "id: rsa\nname: \"unterminated\n",
    "\t- tab indentation\n",
    "id: rsa\n---\nid: two documents\n",
    "!!python/object/apply:os.system ['echo pwned']\n",
    "id: !!python/name:os.system\n",
    "a: &a [*a]\nid: rsa\n",
    "@not yaml\n",
])
def test_yaml_that_does_not_parse_is_named_with_its_file(knowledge, content):
    (knowledge / "aids" / "rsa.yaml").write_text(content, encoding="utf-8")
    errors = errors_of(knowledge)
    assert any(p.file == "aids/rsa.yaml" for p in errors), [str(p) for p in errors]
    with pytest.raises(CatalogueError, match="aids/rsa.yaml"):
        load_catalogue(knowledge)


@pytest.mark.parametrize("raw", [b"\xff\xfe\x00junk", bytes(range(256)), b"id: rsa\nname: caf\xe9\n", b"\x00" * 64])
def test_binary_junk_is_named_with_its_file(knowledge, raw):
    (knowledge / "aids" / "rsa.yaml").write_bytes(raw)
    assert any(p.file == "aids/rsa.yaml" for p in errors_of(knowledge))


@pytest.mark.parametrize("file", ["questions.yaml", "needs.yaml", "emergencies.yaml", "profile.yaml",
                                  "lexicon/fr.yaml", "places/ccas_nantes.yaml", "gazetteer/quartiers.yaml",
                                  "territory.yaml", "data_inclusion.yaml", "gazetteer/landmarks.yaml"])
def test_every_kind_of_file_broken_or_emptied_is_named(knowledge, file):
    path = knowledge / file
    path.write_text("key: [unclosed\n", encoding="utf-8")
    assert any(p.file.startswith(file.split("/")[0]) for p in errors_of(knowledge)), file
    path.write_text("", encoding="utf-8")
    assert errors_of(knowledge), f"an empty {file} was accepted"


def test_a_key_written_twice_is_refused(knowledge):
    edit(knowledge / "aids" / "rsa.yaml", "verified: true", "verified: true\nverified: false")
    errors = errors_of(knowledge)
    assert any(p.file == "aids/rsa.yaml" and "twice" in p.message for p in errors), [str(p) for p in errors]


def test_a_yaml_bomb_is_read_quickly_or_refused(knowledge):
    """Aliases nested nine deep stand for 10^9 strings: the loader must not expand them."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join(f'*a{n - 1}' for _ in range(10))}]" for n in range(1, 9)]
    (knowledge / "aids" / "rsa.yaml").write_text("\n".join(lines) + "\nid: rsa\nname: *a8\n", encoding="utf-8")
    errors = errors_of(knowledge)
    assert any(p.file == "aids/rsa.yaml" for p in errors)


# ------------------------------------------------------------------------------ fields


@pytest.mark.parametrize("old, new, field, words", [
    ("type: age, min: 25", "type: age, min: vingt-cinq", "conditions[0].conditions[0].min", "number"),
    ("type: age, min: 25", "type: age, min: -25", "conditions[0].conditions[0].min", "negative"),
    ("type: age, min: 25", "type: age_between, min: 25", "conditions[0].conditions[0].type", "unknown condition"),
    ("type: age, min: 25", "type: age, min: 25, max: 64, unit: years", "conditions[0].conditions[0].unit", "unknown"),
    ("type: is, key: pregnant, value: true", "type: is, key: pregnant, value: \"yes\"",
     "conditions[0].conditions[1].value", "true or false"),
    ("type: is, key: pregnant, value: true", "type: is, key: enceinte, value: true",
     "conditions[0].conditions[1].key", "unknown profile key"),
    ("type: is, key: pregnant, value: true", "type: compare, key: pregnant, op: '>', value: 1",
     "conditions[0].conditions[1].key", "boolean"),
    ("formula: rsa", "formula: rsa_v2", "formula", "unknown formula"),  # the RSA is computed (issue 14)
    ("needs: [money]", "needs: money", "needs", ""),
    ("needs: [money]", "needs: [money, teleportation]", "needs", "unknown need"),
    ("place: ccas_nantes", "place: atlantis", "apply.place", "no place"),
    ("formula: rsa", "formula: [rsa]", "formula", "unknown formula"),
])
def test_a_wrong_field_in_an_aid_is_named_with_file_entry_and_field(knowledge, old, new, field, words):
    edit(knowledge / "aids" / "rsa.yaml", old, new)
    assert_refused(knowledge, "aids/rsa.yaml", "rsa", field, words)


@pytest.mark.parametrize("field, value", [("name", 42), ("name", None), ("summary", ["a", "list"]),
                                          ("verified", "oui"), ("conditions", "everyone"), ("apply", "caf.fr"),
                                          ("documents", {"a": 1}), ("reviewed", "last week"), ("amount", 42)])
def test_wrong_types_in_an_aid_are_named(knowledge, field, value):
    edit_yaml(knowledge / "aids" / "rsa.yaml", lambda data: data.__setitem__(field, value))
    assert_refused(knowledge, "aids/rsa.yaml", "rsa", field)


def test_a_duplicate_aid_id_is_named(knowledge):
    shutil.copy(knowledge / "aids" / "rsa.yaml", knowledge / "aids" / "rsa_copie.yaml")
    assert_refused(knowledge, "aids/rsa_copie.yaml", "rsa", "id", "duplicate")


@pytest.mark.parametrize("hours", ["Mo-Fr 25:00-99:00", "tous les jours", "Mo-Fr 09:00-12:00,", "Xx 10:00-11:00",
                                   "Mo-Fr 09:00-12:00; PH of", ";;;", "24/8"])
def test_broken_opening_hours_are_named(knowledge, hours):
    edit(knowledge / "places" / "ccas_nantes.yaml", "opening_hours: Mo-Fr 09:00-12:00,13:00-15:30; PH off",
         f"opening_hours: \"{hours}\"")
    assert_refused(knowledge, "places/ccas_nantes.yaml", "ccas_nantes", "opening_hours")


def test_a_place_with_wrong_coordinates_is_named(knowledge):
    edit_yaml(knowledge / "places" / "ccas_nantes.yaml", lambda data: data.update(lat="quarante-sept", lon=1e9))
    errors = [p for p in errors_of(knowledge) if p.file == "places/ccas_nantes.yaml"]
    assert {p.field for p in errors} >= {"lat", "lon"}, [str(p) for p in errors]


def test_a_need_pointing_to_an_unknown_emergency_is_named(knowledge):
    edit(knowledge / "needs.yaml", "emergency: no_roof", "emergency: no_such_emergency")
    assert_refused(knowledge, "needs.yaml", "roof", "emergency", "unknown emergency")


def test_an_emergency_pointing_to_an_unknown_place_is_named(knowledge):
    def change(data):
        first = data[0] if isinstance(data, list) else next(iter(data.values()))
        first["places"] = ["nowhere"]

    edit_yaml(knowledge / "emergencies.yaml", change)
    errors = errors_of(knowledge)
    assert any(p.file == "emergencies.yaml" and p.field == "places" and "nowhere" in p.message for p in errors), \
        [str(p) for p in errors]


def test_a_question_on_an_unknown_profile_key_is_named(knowledge):
    def change(data):
        data[0]["key"] = "shoe_size"

    edit_yaml(knowledge / "questions.yaml", change)
    errors = errors_of(knowledge)
    assert any(p.file == "questions.yaml" and p.entry and "key" in p.field for p in errors), [str(p) for p in errors]


def test_lexicon_words_for_an_unknown_need_are_named(knowledge):
    def change(data):
        data.setdefault("needs", {})["teleportation"] = ["téléporter"]

    edit_yaml(knowledge / "lexicon" / "fr.yaml", change)
    errors = errors_of(knowledge)
    assert any(p.file == "lexicon/fr.yaml" and "teleportation" in (p.field + p.message) for p in errors), \
        [str(p) for p in errors]


def test_every_problem_is_reported_at_once(knowledge):
    edit(knowledge / "aids" / "rsa.yaml", "type: age, min: 25", "type: age, min: vingt-cinq")
    edit(knowledge / "aids" / "aah.yaml", "id: aah", "id: rsa")
    edit(knowledge / "places" / "ccas_nantes.yaml", "opening_hours: Mo-Fr", "opening_hours: Zz-Fr")
    files = {p.file for p in errors_of(knowledge)}
    assert {"aids/rsa.yaml", "aids/aah.yaml", "places/ccas_nantes.yaml"} <= files


# ------------------------------------------------------------------------- random mutations


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, (*prefix, index))


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**12) | st.floats(allow_nan=True) | st.text(max_size=20)
    | st.dates() | st.sampled_from(["money", "rsa", "ccas_nantes", "age", "compare", "any", "fixed", "<=", ""]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["type", "key", "value", "min", "max", "op", "values", "conditions", "kind", "valid_from",
                         "x"]), inner, max_size=3),
    max_leaves=6)

FUZZ = settings(max_examples=10, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(seed=st.integers(0, 2**32), replacement=yaml_values, file=st.sampled_from(["rsa", "prime_activite", "css",
                                                                                   "restos_du_coeur"]))
def test_any_field_of_an_aid_replaced_by_anything_is_checked_without_a_crash(scratch, pristine, seed,
                                                                            replacement, file):
    root = scratch
    path = root / "aids" / f"{file}.yaml"
    original = path.read_bytes()
    data = yaml.safe_load(original.decode("utf-8"))
    target = random.Random(seed).choice(list(_paths(data))[1:])
    holder = data
    for step in target[:-1]:
        holder = holder[step]
    holder[target[-1]] = replacement
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    try:
        check_mutated(root)
    finally:
        path.write_bytes(original)


def check_mutated(root: Path) -> None:
    catalogue, problems = check_catalogue(root, today=TODAY)  # never raises
    errors = [p for p in problems if p.severity == "error"]
    for problem in errors:
        assert problem.file and problem.message, problem
    if errors:
        with pytest.raises(CatalogueError):
            load_catalogue(root)
    else:
        assert catalogue is not None
        screen(catalogue, {"age": 30, "couple": False, "children_ages": [], "work_income": 0, "other_income": 0},
               TODAY)


@FUZZ
@given(seed=st.integers(0, 2**32), flips=st.integers(1, 40))
def test_bytes_flipped_in_a_file_are_checked_without_a_crash(scratch, seed, flips):
    rng = random.Random(seed)
    path = rng.choice([scratch / "aids" / "rsa.yaml", scratch / "questions.yaml", scratch / "needs.yaml",
                       scratch / "places" / "ccas_nantes.yaml", scratch / "lexicon" / "fr.yaml",
                       scratch / "profile.yaml", scratch / "emergencies.yaml", scratch / "territory.yaml",
                       scratch / "gazetteer" / "nantes_streets.csv", scratch / "data_inclusion.yaml"])
    original = path.read_bytes()
    raw = bytearray(original)
    for _ in range(flips):
        raw[rng.randrange(len(raw))] = rng.randrange(256)
    path.write_bytes(bytes(raw))
    try:
        check_mutated(scratch)
    finally:
        path.write_bytes(original)


# ------------------------------------------------------------------------------ bugs found
# Found by these tests, then fixed; kept as a regression (docs/hardening.md, "Bugs found").


def test_bug_g_an_aid_whose_values_all_start_in_the_future_is_refused_at_load(knowledge):
    """Was: only a warning; the catalogue loaded, then Dated.at() gave None and every screening reaching
    the aid raised TypeError."""
    # The RSA's figures are parameters since issue 14: the same bug, in the one place they are written.
    edit(knowledge / "parameters" / "rsa.yaml",
         "    2023-04-01: 607.75\n    2024-04-01: 635.71\n    2025-04-01: 646.52\n    2026-04-01: 651.69\n",
         "    2099-04-01: 660.0\n")
    assert_refused(knowledge, "parameters/rsa.yaml", "montant_forfaitaire", "valid_from")
