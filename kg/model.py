"""The data that flows through the pipeline: one `Doc` per article, filled in stage by stage.

Like spaCy's `Doc`, each stage reads what earlier stages set and adds its own fields, so a
stage can be tested alone on a hand-made `Doc`.  Offsets always index `Doc.text` (the decoded
source for .txt/.md, the extracted body for .html); `Doc.folded` has the same length, so an
offset found in the folded text is an offset in the original.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sentence:
    """A sentence of the body, as a span of `Doc.text`."""

    start: int
    end: int


@dataclass
class Mention:
    """A name found in the text.  `key` is set by extraction when it is known (lexicon id)
    and by resolution otherwise; `cls` is a kgo class local name."""

    start: int
    end: int
    surface: str
    cls: str
    source: str  # "lexicon", "model", "rule:<name>", "alias", "gazetteer", "anaphor:<head>", "nested"
    key: str | None = None
    sentence: int = -1
    confidence: float = 1.0  # the model's span marginal; 1.0 for lexicon and rule mentions


@dataclass(frozen=True)
class Relation:
    """A fact between two mentions of one sentence; `role` keeps a job title when stated."""

    subj: int  # index into Doc.mentions
    pred: str  # kgo property local name
    obj: int
    sentence: int
    rule: str
    confidence: float
    role: str | None = None


@dataclass(frozen=True)
class Quantity:
    """A numeric fact about a mention: value in `unit`, of kind `kind`, for `year` if stated."""

    about: int  # index into Doc.mentions
    value: float
    unit: str
    kind: str
    sentence: int
    start: int
    end: int
    rule: str
    year: int | None = None


@dataclass
class Doc:
    """One article on its way through the pipeline."""

    doc_id: str
    path: str
    text: str
    content_hash: str
    fmt: str = "txt"
    title: str | None = None
    date: str | None = None
    publisher: str | None = None
    url: str | None = None
    lang: str | None = None  # zh-Hant, zh-Hans or en
    body: list[tuple[int, int]] = field(default_factory=list)  # spans of Doc.text kept as body
    folded: str = ""
    sentences: list[Sentence] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    aliases: list[tuple[int, int, int, int]] = field(default_factory=list)  # (full span, short-name span)
    publisher_key: str | None = None

    def sentence_text(self, i: int) -> str:
        s = self.sentences[i]
        return self.text[s.start : s.end]
