"""Training skip-gram embeddings with your word2vec.py, for the assignment's notebook.

Nothing to implement here: this module reads the assignment's small corpus
(data/word2vec_corpus.txt, sentences from a grammar whose words fall into categories such
as animals, colours and places), runs stochastic gradient descent with YOUR skipgram and
loss functions, and measures what the vectors learned: nearest neighbours by cosine
similarity, how often they share a word's category, and a 2-D projection for a plot.

    import word2vec, word2vec_training as training
    sentences, categories = training.load_corpus()
    word2ind = training.build_vocabulary(sentences)
    center_vectors, outside_vectors, losses = training.train(word2vec, sentences, word2ind)

Uses numpy and the standard library only.
"""

import functools
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parent / "data" / "word2vec_corpus.txt"


def load_corpus(path=CORPUS):
    """Read a corpus file: ``# category <name>: <words>`` lines, then one sentence per line.

    Returns:
        sentences: a list of sentences, each a list of words (str).
        categories: dict from category name to its list of words.
    """
    sentences, categories = [], {}
    for line in Path(path).read_text().splitlines():
        if line.startswith("# category "):
            name, words = line[len("# category "):].split(":")
            categories[name.strip()] = words.split()
        elif line.strip():
            sentences.append(line.split())
    return sentences, categories


def build_vocabulary(sentences):
    """word2ind: each distinct word of ``sentences`` -> its index, in order of first appearance."""
    word2ind = {}
    for sentence in sentences:
        for word in sentence:
            word2ind.setdefault(word, len(word2ind))
    return word2ind


def noise_distribution(sentences, word2ind, power=0.75):
    """The distribution negatives are drawn from: unigram counts to the power 3/4, normalized (shape (V,)).

    The power flattens the counts: frequent words ("the") are drawn less often than their
    share of the corpus, rare words more often (Mikolov et al., 2013).
    """
    counts = np.zeros(len(word2ind))
    for sentence in sentences:
        for word in sentence:
            counts[word2ind[word]] += 1
    weights = counts**power
    return weights / weights.sum()


def windows(sentence, window_size):
    """Each (centre word, its outside words) of a sentence: up to ``window_size`` words on each side."""
    for position, center_word in enumerate(sentence):
        outside_words = sentence[max(0, position - window_size):position] + sentence[position + 1:position + window_size + 1]
        yield center_word, outside_words


def train(word2vec, sentences, word2ind, dim=8, window_size=2, epochs=2, lr=0.05, neg_samples=5, loss="neg_sampling", seed=0):
    """Skip-gram by stochastic gradient descent, one step per centre word, using ``word2vec``'s functions.

    Each step calls ``word2vec.skipgram`` on one window with ``loss`` ("neg_sampling":
    ``neg_sampling_loss_and_gradient`` with ``neg_samples`` fresh negatives bound by
    functools.partial; "naive_softmax": ``naive_softmax_loss_and_gradient``) and moves both
    matrices against their gradients. The order of the sentences is shuffled every epoch.

    Args:
        word2vec: the module with skipgram and the loss functions (yours).
        sentences, word2ind: from load_corpus and build_vocabulary.
        dim: d, the length of each word vector.
        window_size, epochs, lr, neg_samples: the usual hyperparameters.
        loss: "neg_sampling" or "naive_softmax".
        seed: seeds the initial vectors, the shuffling and the negatives.

    Returns:
        center_vectors, outside_vectors: the trained matrices, shape (V, d) each.
        losses: the mean loss per window of each epoch, a list of ``epochs`` floats.

    Raises:
        ValueError: for a loss other than the two above.
    """
    if loss not in ("neg_sampling", "naive_softmax"):
        raise ValueError(f"loss must be 'neg_sampling' or 'naive_softmax', not {loss!r}")
    rng = np.random.default_rng(seed)
    noise = noise_distribution(sentences, word2ind)
    center_vectors = (rng.random((len(word2ind), dim)) - 0.5) / dim  # small, so no word starts out special
    outside_vectors = np.zeros((len(word2ind), dim))
    losses = []
    tokens = sum(len(sentence) for sentence in sentences)
    for _ in range(epochs):
        total, steps = 0.0, 0
        negatives = iter(rng.choice(len(noise), size=(tokens, neg_samples), p=noise))  # drawn at once: faster
        for s in rng.permutation(len(sentences)):
            for center_word, outside_words in windows(sentences[s], window_size):
                if loss == "neg_sampling":
                    loss_and_gradient = functools.partial(word2vec.neg_sampling_loss_and_gradient, neg_indices=next(negatives))
                else:
                    loss_and_gradient = word2vec.naive_softmax_loss_and_gradient
                step_loss, grad_center, grad_outside = word2vec.skipgram(
                    center_word, window_size, outside_words, word2ind, center_vectors, outside_vectors, loss_and_gradient)
                center_vectors -= lr * grad_center
                outside_vectors -= lr * grad_outside
                total, steps = total + step_loss, steps + 1
        losses.append(total / steps)
    return center_vectors, outside_vectors, losses


def cosine_similarities(vectors, index):
    """Cosine similarity of row ``index`` of ``vectors`` (V, d) with every row, shape (V,)."""
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return unit @ unit[index]


def nearest_neighbours(vectors, word2ind, word, k=5, among=None):
    """The ``k`` words whose vectors are closest to ``word``'s by cosine similarity, most similar first.

    ``among`` limits the candidates to these words (default: the whole vocabulary).
    Returns a list of (word, cosine similarity).
    """
    candidates = [w for w in (among if among is not None else word2ind) if w != word]
    similarity = cosine_similarities(vectors, word2ind[word])
    ranked = sorted(candidates, key=lambda w: -similarity[word2ind[w]])
    return [(w, float(similarity[word2ind[w]])) for w in ranked[:k]]


def category_agreement(vectors, word2ind, categories, k=3):
    """The share of nearest neighbours in the same category as their word, in [0, 1].

    For every categorized word, its ``k`` nearest neighbours among the categorized words;
    about 1 / (number of categories) for random vectors, 1 when every category is a tight cluster.
    """
    category_of = {word: name for name, words in categories.items() for word in words}
    same = [category_of[w] == category_of[word]
            for word in category_of
            for w, _ in nearest_neighbours(vectors, word2ind, word, k, among=category_of)]
    return float(np.mean(same))


def project_2d(vectors):
    """The rows of ``vectors`` (V, d) on their first two principal components, shape (V, 2).

    PCA by the SVD of the centred matrix: the top right-singular vectors are the directions
    of largest variance.
    """
    centred = vectors - vectors.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    return centred @ vt[:2].T
