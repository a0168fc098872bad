"""Writes word2vec_corpus.txt: sentences from a small grammar whose words fall into categories.

The corpus of assignment 7 (word2vec) is made here, not downloaded: each sentence fills a
template's slots with words drawn uniformly from one category, so words of a category share
their contexts, and skip-gram should learn vectors in which they are each other's nearest
neighbours. The file starts with one comment line per category, `# category <name>: <words>`,
then one sentence per line, lower case, words separated by single spaces.

    python assignments/data/word2vec_corpus.py     # rewrites the file; the output is deterministic
"""

from pathlib import Path

import numpy as np

CATEGORIES = {
    "animal": ["cat", "dog", "horse", "cow", "sheep", "goat", "pig", "rabbit"],
    "colour": ["red", "blue", "green", "yellow", "black", "white", "brown", "grey"],
    "food": ["bread", "cheese", "apple", "soup", "rice", "cake", "carrot", "pie"],
    "place": ["park", "farm", "forest", "river", "garden", "village", "market", "field"],
    "person": ["farmer", "child", "teacher", "baker", "doctor", "sailor", "painter", "king"],
    "motion": ["runs", "sleeps", "hides", "jumps", "rests", "plays"],
    "taste": ["eats", "cooks", "buys", "sells", "tastes", "bakes"],
}

# {name} is a word of that category; other words are the same in every sentence
TEMPLATES = [
    "the {colour} {animal} {motion} in the {place}",
    "the {person} {taste} the {colour} {food}",
    "a {person} and a {animal} walk to the {place}",
    "the {animal} {motion} near the {person}",
    "in the {place} the {person} {taste} {food}",
    "the {colour} {food} is on the table in the {place}",
]
SENTENCES = 2000
SEED = 7
OUT = Path(__file__).with_suffix(".txt")


def sentence(rng: np.random.Generator) -> str:
    """One sentence: a random template, each slot filled with a random word of its category."""
    template = TEMPLATES[rng.integers(len(TEMPLATES))]
    return template.format_map({name: words[rng.integers(len(words))] for name, words in CATEGORIES.items()})


def corpus(n: int = SENTENCES, seed: int = SEED) -> str:
    """The corpus file's text: the category lines, then ``n`` sentences."""
    rng = np.random.default_rng(seed)
    header = [f"# category {name}: {' '.join(words)}" for name, words in CATEGORIES.items()]
    return "\n".join(header + [sentence(rng) for _ in range(n)]) + "\n"


if __name__ == "__main__":
    OUT.write_text(corpus())
