"""MATCHER=fused: the match contract, determinism, the model check, behaviour."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.config import PROJECT_ROOT
from bot.matching import ANSWER, FALLBACK, Matcher, MatcherError
from bot.matching.embedding import (
    MODEL_PATH,
    PREFIX_CHARS,
    VOCAB_PATH,
    Encoder,
    ModelError,
    file_sha256,
    shipped_encoder,
)
from tests.matching.contract import assert_match_row

# Beside the project (as in a clone next to shared/), or named by REAL_QUESTIONS (make exports
# it for a work tree one level deeper). Read only to measure; never copied into the project.
REAL = Path(
    os.environ.get("REAL_QUESTIONS")
    or PROJECT_ROOT.parent / "shared" / "data" / "real-questions.yaml"
)
QUESTIONS = [
    "how much glutamine for leaky gut",
    "",
    "tell me a joke",
    "glutamine gut",
    "hi",
    "Glutamine and the Gut Wall, a Short Primer",
    "so my sister swears by powders. what are the side effects of glutamine?",
    "i was vomiting blood this morning",
    "<b>bold</b>",
    "x" * 1200,
]


def _match_fused(lines: list[str], seed: str) -> str:
    """`python -m bot match` with MATCHER=fused under one hash seed: its raw output."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "match"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "MATCHER": "fused", "PYTHONHASHSEED": seed},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_fused_match_command_keeps_the_contract_and_is_deterministic(fused: Matcher):
    first, second = (_match_fused(QUESTIONS, seed) for seed in ("0", "4242"))
    assert first == second  # independent of PYTHONHASHSEED
    rows = [json.loads(line) for line in first.splitlines()]
    assert len(rows) == len(QUESTIONS)
    for question, row in zip(QUESTIONS, rows, strict=True):
        assert_match_row(question, row)
        assert row == fused.match(question).as_json()  # the same decision in-process
    assert rows[0]["decision"] == ANSWER and rows[0]["intent"].startswith("dose")
    assert rows[1]["decision"] == FALLBACK and rows[1]["intent"] is None
    assert (rows[7]["decision"], rows[7]["intent"]) == (ANSWER, "urgent")


def _altered(tmp_path: Path) -> Path:
    copy = tmp_path / "model.onnx"
    data = bytearray(MODEL_PATH.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    return copy


def test_the_shipped_model_has_the_recorded_checksum():
    provenance = (MODEL_PATH.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert file_sha256(MODEL_PATH) in provenance
    assert file_sha256(VOCAB_PATH) in provenance


@pytest.mark.parametrize("make", [lambda tmp: tmp / "absent.onnx", _altered])
def test_a_missing_or_altered_model_is_refused_in_one_sentence(tmp_path: Path, make):
    with pytest.raises(ModelError) as caught:
        Encoder.load(make(tmp_path))
    message = str(caught.value)
    assert "\n" not in message and message.count(". ") == 0
    assert "MATCHER=lexical" in message
    assert isinstance(caught.value, MatcherError)  # python -m bot prints it and exits 2


def test_an_unknown_matcher_is_refused_in_one_sentence():
    result = subprocess.run(
        [sys.executable, "-m", "bot", "match"],
        input="",
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "MATCHER": "psychic"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "unknown MATCHER 'psychic': choose one of lexical, fused"


@pytest.mark.parametrize(
    "text",
    [
        "blood in my stool after glutamine, how much should i take",
        "my toddler swallowed a handful of glutamine capsules",
        "hi! quick question, there's blood in my poop, is that leaky gut?",
    ],
)
def test_fused_red_flags_stay_urgent(fused: Matcher, text: str):
    assert fused.red_flag(text)
    decision = fused.match(text)
    assert (decision.decision, decision.intent, decision.reason) == (ANSWER, "urgent", "red_flag")


@pytest.mark.parametrize(
    "text",
    [
        "is msg basically the same stuff as glutamine",
        "monosodium glutamate versus l-glutamine, one molecule or two",
        "is glutamine just a fancy name for msg",
        "glutathione pills for liver detox",
    ],
)
def test_fused_glutamine_neighbours_stay_off_topic(fused: Matcher, text: str):
    assert fused.match(text).decision == FALLBACK


@pytest.mark.parametrize(
    "text",
    ["what's the weather in london", "best probiotic for bloating", "is creatine safe"],
)
def test_fused_out_of_scope_questions_are_not_answered(fused: Matcher, text: str):
    assert fused.match(text).decision != ANSWER


@pytest.mark.parametrize(
    ("text", "topic"),
    [("hwo much glutamin shoud i take", "dose"), ("glutamine side efects", "safety")],
)
def test_fused_answers_misspelt_questions(fused: Matcher, text: str, topic: str):
    decision = fused.match(text)
    assert decision.decision == ANSWER and decision.intent.split(".")[0] == topic


@pytest.mark.parametrize(
    "text", ["can i flinched", "is it safe to jeans zones", "tell me about categories"]
)
def test_a_question_word_before_nonsense_is_not_answered(fused: Matcher, text: str):
    # Far from every example, one intent can still take most of the softmax; an answer also
    # needs that intent's nearest example close enough (FusionParams.floor).
    assert fused.match(text).decision != ANSWER


def test_fused_gates_decide_before_scoring(fused: Matcher):
    assert fused.match("hi").intent == "greeting"
    assert fused.match("Сколько глютамина принимать?").reason == "not_english"
    assert fused.match("ab").reason == "too_short"


def test_every_example_has_a_stored_vector_and_check_says_when_one_has_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """Start-up reads the examples' vectors from the committed file; one missing costs ~5 ms
    at every start, so `check` (run by `make test`) fails and names the command that helps."""
    import bot.services
    from bot.__main__ import main
    from bot.cli import stale_vectors
    from bot.services import check_knowledge, load_knowledge

    assert stale_vectors(load_knowledge()) == []
    shutil.copytree(PROJECT_ROOT / "intents", tmp_path / "intents")
    shutil.copytree(PROJECT_ROOT / "content", tmp_path / "content")
    dose = tmp_path / "intents" / "dose.yaml"
    marker = "    examples:\n"
    added = marker + "      - what amount of the powder suits a rower in training\n"
    dose.write_text(dose.read_text(encoding="utf-8").replace(marker, added, 1), encoding="utf-8")
    kb, problems = check_knowledge(tmp_path)
    assert problems == []
    assert len(stale_vectors(kb)) == 1
    monkeypatch.setattr(bot.services, "check_knowledge", lambda: (kb, []))
    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "1 example(s) have no stored sentence vector" in err
    assert "python -m bot vectors" in err


def test_the_vectors_command_stores_what_start_up_reads(tmp_path: Path):
    from bot.matching.vectors import StoredVectors, store, text_key

    class Counting:
        calls = 0

        def encode(self, texts):
            Counting.calls += len(texts)
            return np.stack([np.full(384, float(len(t))) for t in texts])

    path = tmp_path / "vectors.npz"
    assert store(Counting(), ["b", "a", "b"], path) == 2
    assert Counting.calls == 2  # each distinct text once
    again = StoredVectors.load(path)
    assert again.missing(["a", "b", "c"]) == ["c"]
    assert again.vectors[text_key("b")][0] == 1.0
    first = path.read_bytes()
    store(Counting(), ["a", "b"], path)
    assert path.read_bytes() == first  # the same texts give the same bytes
    assert Counting.calls == 2  # and nothing is encoded again


def test_a_damaged_vectors_file_is_read_as_none_stored(tmp_path: Path, caplog):
    from bot.matching.vectors import StoredVectors

    path = tmp_path / "vectors.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    assert StoredVectors.load(path).vectors == {}  # start-up encodes instead of crashing
    assert "cannot be read" in caplog.text


def test_vectors_made_on_a_machine_that_reads_differently_are_reported(tmp_path: Path, caplog):
    from bot.matching.vectors import StoredVectors, store

    class Reader:
        def __init__(self, value: float) -> None:
            self.value = value

        def encode(self, texts):
            return np.full((len(texts), 384), self.value)

    path = tmp_path / "vectors.npz"
    store(Reader(0.0), ["a", "b"], path)
    StoredVectors.load(path).encode(Reader(0.001), ["a", "b"], drift_check=True)
    assert "differ from this machine's reading" not in caplog.text  # float16 rounding only
    StoredVectors.load(path).encode(Reader(0.5), ["a", "b"], drift_check=True)
    assert "differ from this machine's reading by 0.500" in caplog.text


class _Fixed:
    """A stand-in encoder: each text's vector is given, so cosines are known exactly."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = {text: np.array(v) / np.linalg.norm(v) for text, v in vectors.items()}

    def encode(self, texts):
        return np.stack([self.vectors[text] for text in texts])


def test_the_nearest_example_of_each_label_scores_a_message():
    from bot.matching.semantic import SemanticScorer
    from bot.matching.vectors import StoredVectors

    encoder = _Fixed(
        {
            "b one": [1, 0, 0],
            "a one": [0, 1, 0],
            "b two": [0, 0, 1],
            "a two": [1, 1, 0],
            "message": [0, 0.6, 0.8],
        }
    )
    examples = [("b", "b one"), ("a", "a one"), ("b", "b two"), ("a", "a two")]
    scorer = SemanticScorer(encoder, examples, StoredVectors({}))
    scores = scorer.scores("message")
    assert scorer.labels == ("a", "b")
    # a: best of 0.6 ("a one") and 0.42 ("a two"); b: best of 0 ("b one") and 0.8 ("b two"),
    # although the examples of both labels come interleaved.
    assert scores.nearest == pytest.approx([0.6, 0.8])
    assert scores.logits.shape == (2,)


def test_a_headline_worded_like_one_example_is_answered(fused: Matcher):
    # A headline, not a question, in words none of the examples uses together.
    decision = fused.match("Glutamine and Children: A Guide for Mums and Dads")
    assert (decision.decision, decision.intent) == (ANSWER, "safety.children")


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "glutamine",
                "Leaky",
                "gut,",
                "¿qué?",
                "naïve",
                "ΣΑΣ",
                "漢字",
                "\u200b",
                "\x1c",
                "\u00a0",
                "\t",
                " ",
                "\n",
                "x" * 120,
                "un-believable!",
                "...",
                "İstanbul",
                "e\u0301",
                "ς",
            ]
        ),
        min_size=150,
        max_size=400,
    ).map("".join),
    st.integers(1, 300),
)
def test_a_long_text_is_tokenised_as_its_beginning(text: str, limit: int):
    # Reading only a prefix of a long message must give exactly the ids the whole text starts
    # with: otherwise a long message would get another vector than its stored twin.
    assume(len(text) > PREFIX_CHARS)  # the prefix path; shorter texts are read whole
    tokenizer = shipped_encoder().tokenizer
    assert tokenizer.encode(text, limit) == tokenizer.encode(text)[:limit]


def test_a_control_character_that_looks_like_a_space_does_not_cut_a_word():
    # U+001C is whitespace to Python but dropped by BERT's cleaning ("un\x1cbelievable" is
    # the one word "unbelievable"): the prefix must not be cut there, before character 512.
    text = "a " * 254 + "un\x1cbelievable" + " tail" * 50
    tokenizer = shipped_encoder().tokenizer
    limit = 255  # 254 ids of "a" and one more: the prefix holds enough, so it is used
    assert tokenizer.encode(text, limit) == tokenizer.encode(text)[:limit]


def test_the_stored_regression_is_the_one_start_up_would_train():
    # Start-up reads the regression `python -m bot vectors` trained instead of training it
    # (half a second); it must be exactly the one training would give, or decisions change.
    from bot.matching.fused import classifier_is_current, spelt_examples
    from bot.matching.semantic import CLASSIFIER_PATH, Classifier, training_key
    from bot.matching.vectors import shipped_vectors
    from bot.services import load_knowledge

    spelt = spelt_examples(load_knowledge())
    assert classifier_is_current(spelt)
    features = shipped_vectors().encode(shipped_encoder(), [text for _, text in spelt])
    labels = [label for label, _ in spelt]
    stored = Classifier.load(CLASSIFIER_PATH, training_key(features, labels))
    fresh = Classifier.fit(features, labels)
    assert stored is not None and stored.labels == fresh.labels
    # Not bit for bit: BLAS sums in an order that depends on the CPU and its thread count
    # (here 1e-5 apart). What decisions read, the logits, must agree far below any threshold.
    assert np.allclose(stored.mean, fresh.mean, rtol=0, atol=1e-9)
    ours, theirs = stored.logits(features), fresh.logits(features)
    assert np.allclose(ours, theirs, rtol=0, atol=1e-3)
    assert (ours.argmax(1) == theirs.argmax(1)).all()


def test_a_regression_trained_on_other_examples_is_not_used(tmp_path: Path, caplog):
    from bot.matching.semantic import Classifier, training_key

    features = np.eye(4)
    labels = ["a", "a", "b", "b"]
    path = tmp_path / "classifier.npz"
    Classifier.fit(features, labels).save(path, training_key(features, labels))
    assert Classifier.load(path, training_key(features, labels)) is not None
    other = ["a", "b", "a", "b"]  # an example moved to another intent
    assert Classifier.load(path, training_key(features, other)) is None
    trained = Classifier.trained(features, other, path)
    assert np.array_equal(trained.weights, Classifier.fit(features, other).weights)
    path.write_bytes(b"not an archive")
    with caplog.at_level("WARNING"):
        assert Classifier.load(path, training_key(features, labels)) is None
    assert "cannot be read" in caplog.text


def test_check_says_when_the_stored_regression_is_behind_the_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    import bot.matching.fused
    from bot.__main__ import main

    monkeypatch.setattr(bot.matching.fused, "CLASSIFIER_PATH", tmp_path / "absent.npz")
    assert main(["check"]) == 1
    assert "run python -m bot vectors" in capsys.readouterr().err
