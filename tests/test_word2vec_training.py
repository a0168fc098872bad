"""The word2vec notebook's experiment: the corpus is the project's own, and the reference learns its categories fast.

assignments/word2vec_training.py trains with whatever word2vec module it is given; here it is
given the reference. The corpus is regenerated from its grammar and compared with the
committed file; the training module must hold no reference code (it ships in the handout).
"""

import ast
import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.word2vec

ROOT = Path(__file__).parents[1]
DATA = ROOT / "assignments" / "data"
MINUTE = 60.0  # the budget for training on one core
AGREEMENT = 0.9  # share of 5 nearest neighbours in the word's own category (chance: about 1/7)


def load(path, name):
    """Import a module from a file path, outside any package."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


training = load(ROOT / "assignments" / "word2vec_training.py", "word2vec_training")
ref = load(ROOT / "solutions" / "word2vec.py", "reference_word2vec")
stub = load(ROOT / "assignments" / "word2vec.py", "stub_word2vec")


@pytest.fixture(scope="module")
def corpus():
    """(sentences, categories, word2ind) of the committed corpus."""
    sentences, categories = training.load_corpus()
    return sentences, categories, training.build_vocabulary(sentences)


@pytest.fixture(scope="module", params=["neg_sampling", "naive_softmax"])
def trained(request, corpus):
    """(loss name, center_vectors, outside_vectors, losses, CPU seconds) of the reference trained with the defaults."""
    sentences, _, word2ind = corpus
    start = time.process_time()
    center_vectors, outside_vectors, losses = training.train(ref, sentences, word2ind, loss=request.param)
    return request.param, center_vectors, outside_vectors, losses, time.process_time() - start


def test_committed_corpus_is_what_the_generator_writes():
    """data/word2vec_corpus.txt equals a fresh run of data/word2vec_corpus.py (deterministic, no download)."""
    generator = load(DATA / "word2vec_corpus.py", "word2vec_corpus")
    assert (DATA / "word2vec_corpus.txt").read_text() == generator.corpus()


def test_corpus_is_small_and_every_category_word_occurs(corpus):
    """The corpus is a few thousand sentences; its categories are disjoint and each word appears in it."""
    sentences, categories, word2ind = corpus
    assert 1000 <= len(sentences) <= 5000
    words = [word for members in categories.values() for word in members]
    assert len(words) == len(set(words)) and len(categories) >= 5
    assert set(words) <= set(word2ind)


def test_training_clusters_categories_within_a_minute(corpus, trained):
    """With the reference, the 5 nearest neighbours of a categorized word mostly share its category, in under a minute."""
    _, categories, word2ind = corpus
    loss, center_vectors, outside_vectors, losses, seconds = trained
    assert seconds < MINUTE, f"{loss}: {seconds:.1f} s"
    assert center_vectors.shape == outside_vectors.shape == (len(word2ind), 8)
    assert all(np.isfinite(losses)) and len(losses) == 2
    assert training.category_agreement(center_vectors, word2ind, categories, k=5) >= AGREEMENT, loss


def test_untrained_vectors_do_not_cluster(corpus):
    """The measure is meaningful: the initial random vectors score near chance."""
    sentences, categories, word2ind = corpus
    center_vectors, _, losses = training.train(ref, sentences, word2ind, epochs=0)
    assert losses == []
    assert training.category_agreement(center_vectors, word2ind, categories, k=5) < 0.4


def test_nearest_neighbours_are_sorted_cosine_similarities():
    """nearest_neighbours ranks by cosine similarity, excludes the word itself, and honours among=."""
    word2ind = {"a": 0, "b": 1, "c": 2, "d": 3}
    vectors = np.array([[1.0, 0.0], [10.0, 1.0], [0.0, 1.0], [-1.0, 0.0]])
    neighbours = training.nearest_neighbours(vectors, word2ind, "a", k=3)
    assert [word for word, _ in neighbours] == ["b", "c", "d"]
    np.testing.assert_allclose([s for _, s in neighbours], [10 / np.sqrt(101), 0.0, -1.0])
    assert training.nearest_neighbours(vectors, word2ind, "a", k=2, among=["c", "d", "a"]) == [("c", 0.0), ("d", -1.0)]


def test_project_2d_is_pca(corpus):
    """project_2d gives the scores on the covariance matrix's top two eigenvectors (up to sign)."""
    vectors = np.random.default_rng(0).normal(size=(30, 6)) * np.arange(1, 7)
    projected = training.project_2d(vectors)
    centred = vectors - vectors.mean(axis=0)
    _, eigenvectors = np.linalg.eigh(np.cov(centred.T))
    expected = centred @ eigenvectors[:, ::-1][:, :2]
    np.testing.assert_allclose(np.abs(projected), np.abs(expected), rtol=1e-8, atol=1e-10)


def test_training_with_the_stubs_stops_at_the_first_stub(corpus):
    """Run with the unimplemented stub, training fails with skipgram's NotImplementedError message."""
    sentences, _, word2ind = corpus
    with pytest.raises(NotImplementedError, match=r"^skipgram: not implemented yet \(task 7\.4\)$"):
        training.train(stub, sentences[:3], word2ind)


def test_train_rejects_an_unknown_loss(corpus):
    """train raises ValueError naming the two losses for any other."""
    sentences, _, word2ind = corpus
    with pytest.raises(ValueError, match="loss must be 'neg_sampling' or 'naive_softmax'"):
        training.train(ref, sentences[:3], word2ind, loss="softmax")


def test_training_module_holds_no_reference_code():
    """The handout's training module imports numpy and the stdlib only, defines no graded function, and has no line of the reference's bodies."""
    source = (ROOT / "assignments" / "word2vec_training.py").read_text()
    reference = (ROOT / "solutions" / "word2vec.py").read_text()
    tree = ast.parse(reference)
    defined = {node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
    graded = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert not defined & graded
    lines = reference.splitlines()
    body_lines = {
        lines[i].strip()
        for node in tree.body if isinstance(node, ast.FunctionDef)
        for i in range(node.body[1].lineno - 1, node.end_lineno)
    }
    leaked = {line for line in body_lines if len(line) > 15 and line in source}
    assert not leaked
    imported = {alias.name.split(".")[0] for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module)])}
    assert imported == {"functools", "pathlib", "numpy"}
