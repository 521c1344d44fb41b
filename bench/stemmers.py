"""Arabic stemmers compared on the ANT corpus, and the analysis pipeline's throughput.

    .venv/bin/python bench/stemmers.py [--corpus PATH] [--sample PATH] [--runs N]
                                       [--queries all|sample] [--variants TEXT,...]

For each way of turning an Arabic word into an index term (``VARIANTS``: no stemming;
light10 as in the paper; light10 keeping stems of 3 letters or more; ``light10_plus`` and a
looser variant of it; ``light10_plus_proclitics``, the default (light10+ after the
proclitics the lexicon knows), with a bare ``ف`` taken off too, and without light10+'s own
prepositions; Snowball as ``snowball_arabic`` feeds it, and Snowball
fed the two wrong ways), all through the same tokenizer and normalisation
(``newswire.text.analyze.Analyzer``):

1. the acceptance examples (a query word and a document word that must share a term: the
   issue's six, then a root's ``و`` kept and the conjunction's taken off, a possessive
   ``ها`` after a plural) and the two Snowball quirks (``المدرسة``/``المدرسه``, ``والوزارة``/``الوزارة``);
2. word families from the corpus (``FAMILIES``: inflected forms a reader expects to find
   each other): the share of pairs within a family given the same term and the families
   given one term; pairs of unrelated words (``DISTINCT``) wrongly given one term; the
   vocabulary (distinct terms over the corpus);
3. known-item retrieval: article bodies indexed (tantivy, in memory, whitespace tokenizer
   over the terms), an article's headline as the query (an OR of its distinct terms,
   BM25), the rank of that article: MRR over the top 100, success at 1 and at 10, and the
   MRR difference from the default, query by query, with its 95% interval. Twice: the
   1,000 sample articles alone, and every headline of the corpus among all 40,004 bodies
   (``--queries sample``: only the sample's 1,000 headlines, faster);
4. speed: Arabic words per second through each variant, no cache (every Arabic token of
   the sample); and the shipped pipeline (``newswire.text.analyze.terms``, lang ``ar``)
   over every headline and body of the corpus: MB/s of UTF-8 text and tokens/s, with its
   cache cold (a fresh analyser) and warm (a second pass), best of ``--runs``.

Writes bench/out/stemmers.json and prints Markdown tables for docs/search.md. Takes about
eight minutes on the reference machine.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import platform
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import combinations
from pathlib import Path

import Stemmer
import tantivy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newswire.text import analyze as analysis  # noqa: E402
from newswire.text.analyze import Analyzer  # noqa: E402
from newswire.text.normalize import fold, normalize, unify_final  # noqa: E402
from newswire.text.stem import (  # noqa: E402
    ARABIC,
    PROCLITICS,
    _lexicon,
    conjunction,
    light10,
    light10_plus,
    light10_plus_proclitics,
    snowball_arabic,
    strip_proclitic,
)

OUT = ROOT / "bench" / "out"
CORPUS = ROOT.parent / "shared" / "corpus"

_snowball = Stemmer.Stemmer("arabic").stemWord


def light10_plus_4(word: str) -> str:
    """``light10_plus`` taking the prepositions off when 3 letters remain, not 4."""
    word = normalize(word)
    if len(word) >= 4 and word[-1] == "ا":
        word = word[:-1]
    word = light10(word, 3)
    return word[1:] if len(word) >= 4 and word[0] in "بكل" else word


def strip_with_fa(word: str) -> str:
    """``strip_proclitic`` taking a bare ``ف`` off too (``فغزة``, but ``فتحت`` → ``تحت``)."""
    if word[:1] == "ف" and word[1:2] not in PROCLITICS and len(word) >= 4:
        known, own = _lexicon()
        if word[1:] in known and word not in own and word not in _FA_OWN:
            return word[1:]
        return word
    return strip_proclitic(word)


_FA_OWN: set[str] = set()


def load_fa_own(texts: list[str]) -> None:
    """The ``ف`` words that are words of their own, by the lexicon script's rule."""
    seen: Counter[str] = Counter()
    for text in texts:
        for word in analysis._WORD.findall(text):
            if analysis._ARABIC_LETTER.match(word):
                seen[normalize(word)] += 1
    known, _ = _lexicon()
    for word in list(seen):
        if word[:1] == "ف" and word[1:] in known:
            marked = seen["ال" + word] + sum(seen[p + word] for p in "بلك")
            if marked >= 3 or seen[word[1:]] < 0.05 * seen[word]:
                _FA_OWN.add(word)


assert strip_with_fa("وبغزه") == strip_proclitic("وبغزه") == "غزه"


_WA_ARTICLE: set[str] = set()


def load_wa_own(texts: list[str]) -> None:
    """The ``و`` words of a looser rule than the lexicon script's (``own_wa_word``), over
    the texts it reads: seen with the article 3 times, however often the rest is
    (``_WA_ARTICLE``)."""
    seen: Counter[str] = Counter()
    for text in texts:
        for word in analysis._WORD.findall(text):
            if analysis._ARABIC_LETTER.match(word):
                seen[normalize(word)] += 1
    for word in list(seen):
        if word[:1] == "و" and len(word) >= 4 and seen["ال" + word] >= 3:
            _WA_ARTICLE.add(word)


def wa_article(word: str) -> str:
    """The default, but a ``و`` stays on any word the corpus has with the article 3 times."""
    word = strip_proclitic(normalize(word))
    if word[:1] != "و":
        return light10_plus(word)
    return light10_plus(word, conjunction=conjunction(word) and word not in _WA_ARTICLE)


def wa_known_rest(word: str) -> str:
    """The default, but a ``و`` comes off only when what remains is a known word (the
    first rule of analysis 8: ``وزيلينسكي``, ``وقمحها`` kept it, ``زيلينسكي``, ``قمحها`` not)."""
    word = strip_proclitic(normalize(word))
    if word[:1] != "و":
        return light10_plus(word)
    known, own = _lexicon()
    return light10_plus(word, conjunction=word[1:] in known and word not in own)


def wa_always(word: str) -> str:
    """The default of analysis 7: every first ``و`` of a word of 4 letters off."""
    return light10_plus(strip_proclitic(normalize(word)))


def lexicon_only(word: str) -> str:
    """The lexicon's proclitics, and no bare ب/ك/ل off the stems of 4 letters left after."""
    word = strip_proclitic(normalize(word))
    if len(word) >= 4 and word[-1] == "ا":
        word = word[:-1]
    return light10(word, 3, root_ya=True)


# An Arabic word as found in the text (harakat and all) -> its term.
VARIANTS: dict[str, Callable[[str], str]] = {
    "none (normalisation only)": normalize,
    "light10": lambda word: light10(normalize(word)),
    "light10, stem ≥ 3": lambda word: light10(normalize(word), 3),
    "light10+": lambda word: light10_plus(normalize(word)),
    "light10+, proclitics from the lexicon (default)": lambda word: light10_plus_proclitics(
        normalize(word)
    ),
    "light10+, proclitics from the lexicon, every و off (analysis 7)": wa_always,
    "light10+, proclitics from the lexicon, و kept after the article 3 times": wa_article,
    "light10+, proclitics from the lexicon, و off only before a known word": wa_known_rest,
    "light10+, proclitics from the lexicon, a bare ف too": lambda word: light10_plus(
        strip_with_fa(normalize(word))
    ),
    "light10, stem ≥ 3, proclitics from the lexicon only": lexicon_only,
    "light10+, ب/ك/ل off 4-letter stems": light10_plus_4,
    "Snowball (ة kept, وال/فال stripped)": snowball_arabic,
    "Snowball, ة→ه first": lambda word: unify_final(_snowball(normalize(word))),
    "Snowball, وال/فال left": lambda word: unify_final(_snowball(fold(word))),
}
DEFAULT = "light10+, proclitics from the lexicon (default)"  # newswire.text.stem.ARABIC

# (query word, document word): must give the same term. The examples; a root's و
# kept and the conjunction's taken off; a possessive ها after a plural or an accusative ا.
ACCEPTANCE = [
    ("فلسطيني", "الفلسطينيين"),
    ("المساعدات", "مساعدات"),
    ("المساعدات", "بالمساعدات"),
    ("اسرائيل", "إسرائيل"),
    ("المُساعَدات", "المساعدات"),
    ("المســاعدات", "المساعدات"),
    ("وزير", "الوزير"),
    ("وزارة", "الوزارة"),
    ("وكالة", "الوكالة"),
    ("وطني", "الوطني"),
    ("ولاية", "الولاية"),
    ("وقال", "قال"),
    ("وأكد", "أكد"),
    ("علاقاتها", "العلاقات"),
    ("مساعداتها", "المساعدات"),
    ("قواتها", "القوات"),
    ("رئيسا", "رئيس"),
    ("عاما", "عام"),
]
# The two Snowball quirks.
QUIRKS = [
    ("المدرسة", "المدرسه"),
    ("والوزارة", "الوزارة"),
]

# Inflections of one word that a search for any of them should find: definite article,
# conjunctions and prepositions, sound plurals and duals, feminine, nisba adjectives,
# accusative tanwin, possessive suffixes. Broken plurals (وزير/وزراء) are left out: no
# light stemmer joins them. Every form occurs in the corpus (the script checks).
FAMILIES = [
    "فلسطيني الفلسطيني الفلسطينية الفلسطينيين فلسطينيين الفلسطينيون للفلسطينيين فلسطينية",
    "مساعدات المساعدات بالمساعدات مساعدة المساعدة والمساعدات",
    "إسرائيل اسرائيل لإسرائيل وإسرائيل بإسرائيل",
    "حكومة الحكومة بالحكومة والحكومة للحكومة حكومات الحكومات حكومته",
    "رئيس الرئيس ورئيس للرئيس والرئيس رئيسا",
    "لاعب اللاعب لاعبين اللاعبين لاعبون واللاعب لاعبا",
    "مباراة المباراة بالمباراة والمباراة مباراته",
    "انتخابات الانتخابات بالانتخابات والانتخابات للانتخابات",
    "شركة الشركة الشركات شركات بالشركة للشركة والشركة",
    "مصري المصري المصرية المصريين مصرية المصريون",
    "عسكري العسكري العسكرية العسكريين عسكرية",
    "قوات القوات بالقوات وقوات للقوات قواته قواتها",
    "أمريكي الأمريكي الأمريكية الأمريكيين أمريكية",
    "منتخب المنتخب للمنتخب والمنتخب منتخبات المنتخبات",
    "تونسي التونسي التونسية التونسيين تونسية",
    "معلومات المعلومات بالمعلومات معلومة",
    "عملية العملية العمليات عمليات بالعملية",
    "سياسي السياسي السياسية السياسيين سياسية",
    "مسؤول المسؤول المسؤولين مسؤولون مسؤولة مسؤولين",
    "اقتصاد الاقتصاد والاقتصاد بالاقتصاد للاقتصاد",
    "وزارة الوزارة بالوزارة والوزارة وزارات للوزارة",
    "ولاية الولاية ولايات الولايات بولاية",
    "يوم اليوم واليوم يوما",
    "قطاع القطاع بقطاع وقطاع",
    "كأس الكأس بكأس وكأس",
    "مدينة المدينة بالمدينة ومدينة للمدينة بمدينة",
    "هجوم الهجوم بالهجوم هجوما والهجوم",
    "مستشفى المستشفى بالمستشفى مستشفيات المستشفيات",
    "وزير الوزير ووزير للوزير وزيرة الوزيرة",
    "سيارة السيارة سيارات السيارات سيارته",
    "أسعار الأسعار بأسعار وأسعار",
    "حرب الحرب والحرب بالحرب حربا",
    "دولار الدولار دولارات دولارا",
    "مفاوضات المفاوضات والمفاوضات",
    "تطورات التطورات",
    "محادثات المحادثات",
    "زيارة الزيارة زيارته بزيارة",
    "بطولة البطولة للبطولة ببطولة",
    "فريق الفريق للفريق فريقه",
    "فرنسا وفرنسا بفرنسا",
    "أكد وأكد",
    "قرار القرار قرارا بقرار",
    "غزة بغزة لغزة",
    "حماس لحماس وحماس بحماس",
    "مصر بمصر لمصر ومصر",
    "مدة لمدة المدة",
    "ترامب لترامب بترامب وترامب",
    "وكالة الوكالة وكالات للوكالة بوكالة",
    "وطني الوطني الوطنية وطنية الوطنيين",
    "علاقات العلاقات علاقاتها بالعلاقات",
    "واشنطن بواشنطن لواشنطن",
]

# Unrelated words that must keep different terms (both occur in the corpus).
DISTINCT = [
    ("وزارة", "زار"),  # ministry / visited
    ("ولاية", "لا"),  # state / no
    ("على", "علي"),  # on / Ali
    ("إلى", "والي"),  # to / governor
    ("لبنان", "لبن"),  # Lebanon / milk
    ("سنة", "سن"),  # year / age
    ("مدرسة", "مدرس"),  # school / teacher
    ("جامعة", "جامع"),  # university / mosque
    ("قالن", "قال"),  # Kalın (a name) / said
    ("بعدما", "عدم"),  # after / lack
    ("أعلن", "أعلى"),  # announced / highest
    ("الآن", "أن"),  # now / that
    ("أمين", "أم"),  # secretary / mother
    ("وطني", "طن"),  # national / ton
    ("عمان", "عم"),  # Oman / uncle
    ("بيان", "بي"),  # statement / "B" (of بي بي سي)
    ("إيران", "إير"),  # Iran / "Air" (of إير باص)
    ("كلية", "كل"),  # college / all
    ("بطولة", "طول"),  # championship / length
    ("فيسبوك", "يسب"),  # Facebook / insults
    ("الولايات", "ولا"),  # the (United) States / nor
    ("بداية", "بدا"),  # beginning / appeared
    ("كبير", "بير"),  # big / well
    ("لجنة", "جنة"),  # committee / paradise
    ("كانت", "أنت"),  # was / you
    ("فكرة", "كرة"),  # idea / ball
    ("بعيد", "عيد"),  # far / feast
    ("بكين", "كين"),  # Beijing / Kane
    ("كمال", "مال"),  # Kamal / money
    ("فتحت", "تحت"),  # opened / under
    ("فراس", "رأس"),  # Firas / head
    ("وزير", "زير"),  # minister / (a) zir, a water jar
]


def training(article_id: str) -> bool:
    """An article the lexicon is made from (``scripts/build_arabic_lexicon.py``)."""
    return not hashlib.sha1(article_id.encode()).hexdigest().startswith("f")


def records(path: Path) -> Iterator[dict]:
    opener = lzma.open if path.suffix == ".xz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def article_text(record: dict) -> str:
    return f"{record.get('headline') or ''}\n{record['body']}"


# -- 1 and 2: acceptance, families, distinct words -------------------------------------------


def term_of(analyzer: Analyzer, word: str) -> str:
    found = analyzer.terms(word)
    if len(found) != 1:
        raise ValueError(f"{word!r} is not one token: {found}")
    return found[0]


def word_lists(analyzer: Analyzer) -> dict:
    accepted = [term_of(analyzer, q) == term_of(analyzer, d) for q, d in ACCEPTANCE]
    quirks = [term_of(analyzer, q) == term_of(analyzer, d) for q, d in QUIRKS]
    pairs = joined = whole = 0
    for family in FAMILIES:
        found = [term_of(analyzer, word) for word in family.split()]
        whole += len(set(found)) == 1
        for a, b in combinations(found, 2):
            pairs += 1
            joined += a == b
    merged = [f"{a}/{b}" for a, b in DISTINCT if term_of(analyzer, a) == term_of(analyzer, b)]
    return {
        "acceptance": sum(accepted),
        "acceptance_failed": [f"{q}/{d}" for (q, d), ok in zip(ACCEPTANCE, accepted, strict=True) if not ok],
        "quirks": sum(quirks),
        "family_pairs_joined": joined / pairs,
        "families_whole": whole,
        "distinct_merged": len(merged),
        "distinct_merged_words": merged,
    }


def corpus_counts(texts: list[str]) -> dict[str, int]:
    wanted = {w for family in FAMILIES for w in family.split()}
    wanted |= {w for pair in DISTINCT for w in pair}
    counts = dict.fromkeys(wanted, 0)
    for text in texts:
        for word in analysis._WORD.findall(text):
            if word in counts:
                counts[word] += 1
    return counts


# -- 3: known-item retrieval -----------------------------------------------------------------


def known_item(
    analyzer: Analyzer, bodies: list[str], queries: list[tuple[int, str]], depth: int = 100
) -> dict:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=False, tokenizer_name="whitespace")
    builder.add_integer_field("n", stored=True, indexed=False)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(heap_size=256_000_000)
    for n, body in enumerate(bodies):
        writer.add_document(tantivy.Document(body=" ".join(analyzer.terms(body)), n=n))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    searcher = index.searcher()
    should = tantivy.Occur.Should
    reciprocal: list[float] = []
    at1 = at10 = 0
    for target, headline in queries:
        words = list(dict.fromkeys(analyzer.terms(headline)))
        query = tantivy.Query.boolean_query(
            [(should, tantivy.Query.term_query(schema, "body", word)) for word in words]
        )
        hits = searcher.search(query, depth).hits
        ranked = [searcher.doc(address)["n"][0] for _, address in hits]
        rank = ranked.index(target) + 1 if target in ranked else None
        reciprocal.append(1 / rank if rank else 0.0)
        at1 += rank == 1
        at10 += rank is not None and rank <= 10
    return {
        "queries": len(queries),
        "documents": len(bodies),
        "mrr": statistics.fmean(reciprocal),
        "success_at_1": at1 / len(queries),
        "success_at_10": at10 / len(queries),
        "reciprocal_ranks": reciprocal,
    }


def paired(ours: list[float], theirs: list[float]) -> tuple[float, float]:
    """Mean of ``ours - theirs`` (per query) and the half-width of its 95% interval."""
    differences = [a - b for a, b in zip(ours, theirs, strict=True)]
    return statistics.fmean(differences), 1.96 * statistics.stdev(differences) / len(
        differences
    ) ** 0.5


# -- 4: speed ---------------------------------------------------------------------------------


def variant_speed(arabic: Callable[[str], str], words: list[str], runs: int) -> float:
    """Arabic words per second through ``arabic`` with no cache."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for word in words:
            arabic(word)
        best = min(best, time.perf_counter() - start)
    return len(words) / best


def pipeline_speed(texts: list[str], runs: int, arabic: Callable[[str], str] = ARABIC) -> dict:
    """``terms(text, "ar")`` over ``texts``, the Arabic words stemmed by ``arabic`` (a
    stemmer of normalised words, as ``ARABIC``)."""
    megabytes = sum(len(text.encode()) for text in texts) / 1e6
    cold, warm = [], []
    tokens = 0
    shipped = analysis.ARABIC
    analysis.ARABIC = arabic  # what a fresh Analyzer stems Arabic words with
    try:
        result = _pipeline_runs(texts, runs, cold, warm)
    finally:
        analysis.ARABIC = shipped
        analysis._ANALYZERS.pop("ar", None)
    tokens, distinct = result
    return {
        "articles": len(texts),
        "megabytes": megabytes,
        "terms": tokens,
        "distinct_words": distinct,
        "cold_seconds": min(cold),
        "warm_seconds": min(warm),
        "cold_mb_s": megabytes / min(cold),
        "warm_mb_s": megabytes / min(warm),
        "cold_tokens_s": tokens / min(cold),
        "warm_tokens_s": tokens / min(warm),
        "runs": {"cold": cold, "warm": warm},
    }


def _pipeline_runs(
    texts: list[str], runs: int, cold: list[float], warm: list[float]
) -> tuple[int, int]:
    tokens = 0
    for _ in range(runs):
        analysis._ANALYZERS.pop("ar", None)  # a fresh analyser: an empty cache
        start = time.perf_counter()
        tokens = sum(len(analysis.terms(text, "ar")) for text in texts)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        for text in texts:
            analysis.terms(text, "ar")
        warm.append(time.perf_counter() - start)
    return tokens, len(analysis.analyzer("ar")._cache)


# -- report -----------------------------------------------------------------------------------


def markdown(result: dict) -> str:
    names = list(result["variants"])
    lines = [
        f"| Arabic stemmer | acceptance (of {len(ACCEPTANCE)}) | quirks (of {len(QUIRKS)})"
        " | family pairs joined"
        f" | families whole (of {len(FAMILIES)}) | unrelated merged (of {len(DISTINCT)})"
        " | vocabulary | words/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        v = result["variants"][name]
        lines.append(
            f"| {name} | {v['acceptance']} | {v['quirks']} | {v['family_pairs_joined']:.1%}"
            f" | {v['families_whole']} | {v['distinct_merged']} | {v['vocabulary']:,}"
            f" | {v['words_per_second']:,.0f} |"
        )
    for setting in ("sample", "full"):
        first = result["variants"][names[0]][setting]
        lines += [
            "",
            f"Known item, {first['queries']:,} headlines → {first['documents']:,} bodies:",
            "",
            f"| Arabic stemmer | MRR@100 | MRR − {DEFAULT} (95% CI) | success@1 | success@10 |",
            "|---|---:|---:|---:|---:|",
        ]
        for name in names:
            r = result["variants"][name][setting]
            delta, half = r["mrr_vs_default"]
            lines.append(
                f"| {name} | {r['mrr']:.3f} | {delta:+.4f} ± {half:.4f}"
                f" | {r['success_at_1']:.1%} | {r['success_at_10']:.1%} |"
            )
    for key, name in (("pipeline", "shipped"), ("pipeline_light10_plus", "light10+")):
        p = result[key]
        lines += [
            "",
            f'Pipeline (`terms(text, "ar")`, {name}), {p["articles"]:,} articles,'
            f" {p['megabytes']:.1f} MB, {p['terms']:,} terms,"
            f" {p['distinct_words']:,} distinct words:",
            "",
            "| cache | seconds | MB/s | tokens/s |",
            "|---|---:|---:|---:|",
            f"| cold | {p['cold_seconds']:.2f} | {p['cold_mb_s']:.1f} | {p['cold_tokens_s']:,.0f} |",
            f"| warm | {p['warm_seconds']:.2f} | {p['warm_mb_s']:.1f} | {p['warm_tokens_s']:,.0f} |",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS / "ant_arabic_news.jsonl.xz")
    parser.add_argument("--sample", type=Path, default=CORPUS / "ant_arabic_news.sample1000.jsonl")
    parser.add_argument("--runs", type=int, default=3, help="speed runs (best is kept)")
    parser.add_argument(
        "--queries",
        choices=["sample", "all"],
        default="all",
        help="headlines searched among all bodies: the sample's 1,000 or all 40,000",
    )
    parser.add_argument(
        "--variants",
        default="",
        help="only the variants whose name holds one of these texts, comma-separated"
        " (and the default)",
    )
    args = parser.parse_args()
    assert ARABIC is light10_plus_proclitics, "DEFAULT no longer names the shipped stemmer"
    OUT.mkdir(parents=True, exist_ok=True)

    full = list(records(args.corpus))
    sample = list(records(args.sample))
    position = {record["id"]: n for n, record in enumerate(full)}
    texts = [article_text(record) for record in full]
    bodies = [record["body"] for record in full]
    sample_bodies = [record["body"] for record in sample]
    sample_queries = [(n, r["headline"]) for n, r in enumerate(sample) if r.get("headline")]
    if args.queries == "all":
        full_queries = [(n, r["headline"]) for n, r in enumerate(full) if r.get("headline")]
    else:
        full_queries = [(position[r["id"]], r["headline"]) for r in sample if r.get("headline")]
    counts = corpus_counts(texts)
    load_fa_own(texts)
    load_wa_own([article_text(r) for r in full if training(str(r["id"]))])
    missing = sorted(word for word, count in counts.items() if count == 0)
    if missing:
        print(f"not in the corpus: {' '.join(missing)}", file=sys.stderr)
    arabic_words = [
        word
        for record in sample
        for word in analysis._WORD.findall(article_text(record))
        if analysis._ARABIC_LETTER.match(word)
    ]

    result: dict = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "corpus": str(args.corpus),
        "sample": str(args.sample),
        "counts": counts,
        "variants": {},
    }
    for name, arabic in VARIANTS.items():
        if not any(part in name for part in args.variants.split(",")) and name != DEFAULT:
            continue
        analyzer = Analyzer("ar", arabic=arabic)
        entry = word_lists(analyzer)
        entry["words_per_second"] = variant_speed(arabic, arabic_words, args.runs)
        entry["sample"] = known_item(analyzer, sample_bodies, sample_queries)
        entry["full"] = known_item(analyzer, bodies, full_queries)
        entry["vocabulary"] = len(set(analyzer._cache.values()))  # every word of the corpus
        result["variants"][name] = entry
        print(f"{name}: {json.dumps(entry, ensure_ascii=False)}", flush=True)
    for setting in ("sample", "full"):
        ranks = {
            name: entry[setting].pop("reciprocal_ranks")
            for name, entry in result["variants"].items()
        }
        for name, entry in result["variants"].items():
            entry[setting]["mrr_vs_default"] = paired(ranks[name], ranks[DEFAULT])
    result["pipeline"] = pipeline_speed(texts, args.runs)
    result["pipeline_light10_plus"] = pipeline_speed(texts, args.runs, light10_plus)
    (OUT / "stemmers.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print()
    print(markdown(result))


if __name__ == "__main__":
    main()
