"""Deterministic benchmark data: a synthetic industry graph and a synthetic article corpus.

Everything comes from `random.Random(seed)`, so the same sizes give byte-identical files on
every machine and every run.

* `write_graph(dir, n_triples)` writes `graph-N.nq` (one named graph per document, shaped like
  what `kg build` writes: documents, mentions, entities with labels in three scripts, facts with
  RDF-reification provenance, sentences, measurements) and `graph-N.nt` (the distinct triples of
  the same data, exactly `n_triples` lines).
* `write_corpus(dir, n_articles)` writes `.txt` articles mixing zh-Hans, zh-Hant (converted with
  OpenCC through `kg.normalise.to_traditional`) and English, naming companies, people and places
  from `kg/data/lexicon.tsv` when it exists plus generated names no lexicon knows.

Run as a script to write the files: `python bench/gen.py graph DIR N` / `corpus DIR N`.
"""

from __future__ import annotations

import hashlib
import random
import sys
from dataclasses import dataclass
from pathlib import Path

from kg.graph import DCT, KGD, KGO, PROV, RDF, SCHEMA, SKOS, XSD  # noqa: F401  (the vocabulary kg writes)
from kg.resolve import KGR

# --- names ------------------------------------------------------------------------------------

ZH_HEAD = list("星云华芯瀚海锦澜北辰鸿鹄青岚天启智元曜光恒拓睿思蓝湾紫金长河极光量子磐石飞腾卓越合晟中科光迅灵犀")
ZH_TAIL = ["微电子", "半导体", "科技", "光电", "算力", "智能", "芯片", "集成电路", "数据", "信息"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰志远建中一鸣思源岚晴凡蕾")
CITIES = ["无锡", "合肥", "武汉", "成都", "苏州", "杭州", "深圳", "南京", "西安", "重庆", "青岛", "厦门", "长沙", "郑州"]
EN_HEAD = ["Nor", "Bright", "Lumen", "Xer", "Cal", "Harbor", "Tide", "Red", "Pal", "North", "Stone", "Silver", "Iron",
           "Blue", "Quant", "Vertex", "Astra", "Helio", "Cobalt", "Zephyr", "Orion", "Nimbus", "Arc", "Delta"]
EN_MID = ["wind", "water", "fold", "ant", "der", "view", "gate", "cliff", "las", "field", "ridge", "core", "wave", "spire"]
EN_TAIL = ["Semiconductor", "Photonics", "Compute", "Technologies", "Systems", "Microelectronics", "AI Labs", "Devices"]
EN_FIRST = ["Marcus", "Anjali", "Helen", "Oliver", "Priya", "Daniel", "Sofia", "Kenji", "Laura", "Ethan", "Maya", "Victor"]
EN_LAST = ["Lee", "Rao", "Brooks", "Grant", "Chen", "Novak", "Ortiz", "Sato", "Meyer", "Walsh", "Kim", "Fischer"]
EN_CITIES = ["Austin", "Pittsburgh", "Boston", "San Jose", "Dresden", "Eindhoven", "Hsinchu", "Osaka", "Seattle"]


@dataclass
class Names:
    zh_companies: list[str]
    en_companies: list[str]
    zh_people: list[str]
    en_people: list[str]
    zh_places: list[str]
    en_places: list[str]
    chips: list[str]


def _lexicon_names() -> dict[str, list[tuple[str, str]]]:
    """(zh_hans, en) names of the lexicon's companies, places and chips, when the lexicon exists."""
    root = Path(__file__).resolve().parent.parent
    path = root / "kg" / "data" / "lexicon.tsv"
    out: dict[str, list[tuple[str, str]]] = {"org": [], "place": [], "chip": [], "person": []}
    if not path.exists():
        return out
    sys.path.insert(0, str(root))
    from kg.lexicon import read_entries

    kinds = {"Company": "org", "ResearchInstitute": "org", "University": "org", "Investor": "org",
             "City": "place", "Province": "place", "Country": "place", "District": "place",
             "Chip": "chip", "Person": "person"}
    for e in read_entries(str(path)):
        k = kinds.get(e.type)
        if k:
            out[k].append((e.zh_hans or e.zh_hant, e.en))
    return out


def make_names(seed: int = 7, unknown: int = 400) -> Names:
    """Known names from the lexicon plus `unknown` generated ones of each kind."""
    rng = random.Random(seed)
    lex = _lexicon_names()
    zh_c = sorted({a + b + c for a in ZH_HEAD for b in ZH_HEAD for c in ZH_TAIL if a != b})
    rng.shuffle(zh_c)
    en_c = sorted({a + b + " " + c for a in EN_HEAD for b in EN_MID for c in EN_TAIL})
    rng.shuffle(en_c)
    zh_p = sorted({s + g1 + g2 for s in SURNAMES for g1 in GIVEN for g2 in GIVEN})
    rng.shuffle(zh_p)
    en_p = sorted({f + " " + s for f in EN_FIRST for s in EN_LAST})
    chips = [f"{c[:2]}S{rng.randint(1, 9)}" for c in zh_c[:unknown // 4]] + [f"XR-{rng.randint(100, 990)}" for _ in range(20)]
    return Names(
        zh_companies=[z for z, _ in lex["org"] if z] + zh_c[:unknown],
        en_companies=[e for _, e in lex["org"] if e] + en_c[:unknown],
        zh_people=[z for z, _ in lex["person"] if z] + zh_p[:unknown],
        en_people=[e for _, e in lex["person"] if e] + en_p,
        zh_places=[z for z, _ in lex["place"] if z] + CITIES,
        en_places=[e for _, e in lex["place"] if e] + EN_CITIES,
        chips=[z for z, _ in lex["chip"] if z] + chips,
    )


# --- articles ---------------------------------------------------------------------------------

ZH_SENTENCES = [
    "截至{y}年{m}月，{city}城市智算中心已部署{n}张国产加速卡，总算力达到{p}P。",
    "{c1}首席执行官{p1}表示，公司今年将扩大{chip}推理芯片的产能。",
    "{c1}创始人、董事长{p1}出席了发布会。",
    "{c1}由{p1}于{y}年创办，总部位于{city}。",
    "{c1}向{c2}稳定供货{chip}加速卡已有三年。",
    "{c2}是{c1}的重要客户。",
    "{y}年{m}月，{c1}宣布战略投资{c2}。",
    "{c1}拟通过发行股份的方式吸收合并{c2}。",
    "{c1}与{c2}签署战略合作协议，双方将在光引擎领域开展联合研发。",
    "{c1}推出第三代推理芯片{chip}，采用7纳米工艺。",
    "{city}城市智算中心为{c1}、{c2}等国产芯片企业提供验证环境。",
    "{c1}于{y}年{m}月{d}日在科创板上市，首日收盘上涨{pct}%。",
    "{y}年，{c1}营业收入为{rev}亿元，同比增长{pct}%。",
    "{c1}是{c2}旗下的全资子公司。",
    "业内人士指出，{c1}的主要竞争对手包括{c2}和{c3}。",
    "{c1}董事长{p1}在{y}世界人工智能大会上表示，国产推理芯片已进入规模部署阶段。",
    "{p1}现任{c1}首席技术官，此前曾在海外芯片企业从事GPU架构设计十余年。",
    "随着大模型训练需求持续增长，国内智算中心的建设节奏明显加快，多地出台了算力券等扶持政策。",
    "分析师认为，先进封装与高速互联将成为下一阶段算力竞争的关键。",
]
EN_SENTENCES = [
    "{p1}, CEO of {c1}, said demand for inference chips remained strong.",
    "{c1} supplies its {chip} accelerators to {c2} and {c3}.",
    "{c1} is a long-standing customer of {c2}.",
    "{c1} said on Tuesday it had raised ${n} million in a Series B round led by {c2}.",
    "{c1} agreed to acquire {c2} for ${rev} billion in cash.",
    "{c1}, based in {city}, is also backed by {c2}.",
    "{c1} and {c2} signed a strategic partnership on co-packaged optics.",
    "{c1} launched the {chip} accelerator, built on a 5-nanometer process.",
    "{p1}, chief technology officer of {c1}, will lead the new design centre in {city}.",
    "{c1} was founded by {p1} in {y}.",
    "Revenue at {c1} rose {pct}% to ${rev} billion in {y}.",
    "Analysts expect data-centre spending on accelerators to keep growing through the end of the decade.",
    "The company declined to comment on pricing or on the timing of further shipments.",
]
PUBLISHERS_ZH = ["华东财经报", "21世纪经济报道", "科创日报", "电子工程专辑", "集微网"]
PUBLISHERS_EN = ["Tech Wire", "Chip Ledger", "Compute Weekly", "Silicon Report"]


def _fill(tmpl: str, rng: random.Random, names: Names, en: bool) -> str:
    comp = names.en_companies if en else names.zh_companies
    people = names.en_people if en else names.zh_people
    places = names.en_places if en else names.zh_places
    # Zipf-ish: a few names recur across many articles, most are rare (like real news).
    def pick(xs: list[str]) -> str:
        return xs[min(len(xs) - 1, int(rng.paretovariate(1.1)) - 1 + rng.randrange(0, 3))] if rng.random() < 0.5 else rng.choice(xs)

    c1, c2, c3 = pick(comp), pick(comp), pick(comp)
    return tmpl.format(
        c1=c1, c2=c2 if c2 != c1 else comp[(comp.index(c2) + 1) % len(comp)], c3=c3, p1=pick(people),
        city=pick(places), chip=pick(names.chips), y=rng.randint(2019, 2025), m=rng.randint(1, 12),
        d=rng.randint(1, 28), n=rng.randint(2, 300) * 50, p=rng.randint(5, 90) * 100, pct=rng.randint(3, 190),
        rev=round(rng.uniform(1, 90), 1),
    )


def article(i: int, names: Names, rng: random.Random) -> tuple[str, str]:
    """(file name, text) of article `i`: header lines, then 3-6 paragraphs of 3-7 sentences."""
    lang = ("zh-Hans", "zh-Hant", "en")[i % 3]
    en = lang == "en"
    pool = EN_SENTENCES if en else ZH_SENTENCES
    y, m, d = 2024 + i % 2, 1 + i % 12, 1 + i % 28
    paras = []
    for _ in range(rng.randint(3, 6)):
        sents = [_fill(rng.choice(pool), rng, names, en) for _ in range(rng.randint(3, 7))]
        paras.append((" " if en else "").join(sents))
    if en:
        head = f"{_fill('{c1} and {c2} expand accelerator deal', rng, names, True)}\n\n" \
               f"Published {['Jan', 'Mar', 'May', 'Jul', 'Sep', 'Nov'][i % 6]} {d}, {y} by {rng.choice(PUBLISHERS_EN)}\n\n"
    else:
        head = f"{_fill('{c1}携手{c2}扩大算力合作', rng, names, False)}\n\n{y}-{m:02d}-{d:02d} 来源：{rng.choice(PUBLISHERS_ZH)}\n\n"
    text = head + "\n\n".join(paras) + "\n"
    if lang == "zh-Hant":
        from kg.normalise import to_traditional

        text = to_traditional(text)
    return f"a{i:05d}.{lang}.txt", text


def iter_articles(n: int, seed: int = 11):
    names = make_names()
    rng = random.Random(seed)
    for i in range(n):
        yield article(i, names, rng)


def write_corpus(out: Path, n: int, seed: int = 11) -> tuple[int, int]:
    """Write `n` articles into `out` (skipped when already there); returns (files, chars)."""
    out.mkdir(parents=True, exist_ok=True)
    stamp = out / ".complete"
    if stamp.exists() and stamp.read_text().split()[0] == str(n):
        return n, int(stamp.read_text().split()[1])
    chars = 0
    for name, text in iter_articles(n, seed):
        (out / name).write_text(text, "utf-8")
        chars += len(text)
    stamp.write_text(f"{n} {chars}")
    return n, chars


# --- graph ------------------------------------------------------------------------------------

CLASSES = ["Company"] * 6 + ["Person"] * 3 + ["City", "Chip", "Chip", "ComputeCenter", "Investor", "ResearchInstitute"]
PREDICATES = ["supplies", "customerOf", "validates", "locatedIn", "subsidiaryOf", "develops", "investsIn",
              "partnerOf", "acquires", "founderOf", "executiveOf", "deploys", "competesWith", "hostedAt"]


def _lit(s: str, lang: str | None = None, dt: str | None = None) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if lang:
        return f'"{s}"@{lang}'
    if dt:
        return f'"{s}"^^<{XSD}{dt}>'
    return f'"{s}"'


def _doc_triples(i: int, rng: random.Random, n_ent: int, ent_names: list[tuple[str, str, str, str]]):
    """The (s, p, o) lines one synthetic document contributes, as N-Triples terms."""
    doc = f"<{KGD}syn-{i:07d}.zh-Hans>"
    t: list[tuple[str, str, str]] = []
    a = f"<{RDF}type>"
    t += [
        (doc, a, f"<{KGO}Document>"), (doc, f"<{KGO}contentHash>", _lit(f"{rng.getrandbits(128):032x}")),
        (doc, f"<{KGO}sourcePath>", _lit(f"corpus/syn-{i:07d}.txt")), (doc, f"<{KGO}pipeline>", _lit("bench0000")),
        (doc, f"<{DCT}title>", _lit(f"算力合作 {i}")), (doc, f"<{DCT}date>", _lit(f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", dt="date")),
        (doc, f"<{DCT}language>", _lit(("zh-Hans", "zh-Hant", "en")[i % 3])),
    ]
    # Entities: Zipf-distributed, so popular companies are named by many documents.
    ents = sorted({min(n_ent - 1, int(rng.paretovariate(0.8)) - 1) if rng.random() < 0.4 else rng.randrange(n_ent)
                   for _ in range(rng.randint(6, 14))})
    for e in ents:
        iri = f"<{KGR}E{e:06d}>"
        hans, hant, en, cls = ent_names[e]
        t += [(doc, f"<{SCHEMA}mentions>", iri), (iri, a, f"<{KGO}{cls}>"),
              (iri, f"<{SKOS}prefLabel>", _lit(hans, "zh-Hans")), (iri, f"<{SKOS}prefLabel>", _lit(hant, "zh-Hant")),
              (iri, f"<{SKOS}prefLabel>", _lit(en, "en"))]
        if e % 5 == 0:
            t.append((iri, f"<{SKOS}altLabel>", _lit(hans + "股份有限公司", "zh-Hans")))
    pos = 0
    for k in range(rng.randint(3, 9)):
        start, end = pos, pos + rng.randint(30, 120)
        pos = end + 1
        sent = f"<{KGD}syn-{i:07d}.zh-Hans#char={start},{end}>"
        t += [(sent, a, f"<{KGO}Sentence>"), (sent, f"<{KGO}text>", _lit(f"第{k}句：{ent_names[ents[0]][0]}与合作伙伴签署协议。")),
              (sent, f"<{KGO}start>", _lit(str(start), dt="integer")), (sent, f"<{KGO}end>", _lit(str(end), dt="integer")),
              (sent, f"<{DCT}isPartOf>", doc)]
        if len(ents) >= 2:
            s, o = rng.sample(ents, 2)
            p = rng.choice(PREDICATES)
            st = f"<{KGD}syn-{i:07d}.zh-Hans#fact-{s:06d}-{p}-{o:06d}>"
            subj, pred, obj = f"<{KGR}E{s:06d}>", f"<{KGO}{p}>", f"<{KGR}E{o:06d}>"
            t += [(subj, pred, obj), (st, a, f"<{RDF}Statement>"), (st, f"<{RDF}subject>", subj), (st, f"<{RDF}predicate>", pred),
                  (st, f"<{RDF}object>", obj), (st, f"<{PROV}wasDerivedFrom>", sent), (st, f"<{KGO}rule>", _lit(f"zh.{p}.r{k % 3}")),
                  (st, f"<{KGO}confidence>", _lit(f"0.{rng.randint(5, 9)}", dt="decimal"))]
        if rng.random() < 0.3:
            q = f"<{KGD}syn-{i:07d}.zh-Hans#q-{start}>"
            t += [(f"<{KGR}E{ents[-1]:06d}>", f"<{KGO}hasMeasurement>", q), (q, a, f"<{SCHEMA}QuantitativeValue>"),
                  (q, f"<{SCHEMA}value>", _lit(str(rng.randint(1, 500) * 100), dt="integer")),
                  (q, f"<{SCHEMA}unitText>", _lit("cards")), (q, f"<{KGO}quantityKind>", _lit("accelerator cards")),
                  (q, f"<{KGO}year>", _lit(str(2020 + k % 6), dt="gYear")), (q, f"<{PROV}wasDerivedFrom>", sent)]
    return doc, t


def write_graph(out: Path, n_triples: int, seed: int = 5) -> tuple[Path, Path]:
    """`graph-N.nt` (exactly N distinct triples) and `graph-N.nq` (the same documents as quads)."""
    out.mkdir(parents=True, exist_ok=True)
    nt, nq = out / f"graph-{n_triples}.nt", out / f"graph-{n_triples}.nq"
    stamp = out / f"graph-{n_triples}.complete"
    if stamp.exists() and nt.exists() and nq.exists():
        return nt, nq
    rng = random.Random(seed)
    n_ent = max(200, n_triples // 40)
    names = make_names(seed, unknown=400)
    from kg.normalise import to_traditional

    ent_names = []
    for e in range(n_ent):
        cls = CLASSES[e % len(CLASSES)]
        base = names.zh_companies[e % len(names.zh_companies)]
        hans = base if e < len(names.zh_companies) else f"{base}{e // len(names.zh_companies)}号"
        ent_names.append((hans, hans, f"{names.en_companies[e % len(names.en_companies)]} {e}", cls))
    hants = to_traditional("\n".join(h for h, _, _, _ in ent_names)).split("\n")
    ent_names = [(h, t, en, c) for (h, _, en, c), t in zip(ent_names, hants, strict=True)]
    seen: set[bytes] = set()
    count = 0
    i = 0
    with open(nt, "w", encoding="utf-8") as fnt, open(nq, "w", encoding="utf-8") as fnq:
        while count < n_triples:
            doc, triples = _doc_triples(i, rng, n_ent, ent_names)
            i += 1
            for s, p, o in triples:
                line = f"{s} {p} {o}"
                fnq.write(f"{line} {doc} .\n")
                h = hashlib.blake2b(line.encode(), digest_size=8).digest()
                if h not in seen and count < n_triples:
                    seen.add(h)
                    fnt.write(line + " .\n")
                    count += 1
    stamp.write_text(f"{count} triples, {i} documents\n")
    return nt, nq


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    kind, where, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    print(write_graph(where, n) if kind == "graph" else write_corpus(where, n))
