/**
 * The bench's news corpus, generated in-process and deterministic from a
 * seed: every process (the feed server, the orchestrator) derives the same
 * feeds without sharing files, and an item is a pure function of
 * (feed, index), so the feed server never has to hold the corpus as objects.
 *
 * Shape, per feed of 50 items (~1.5 KB each, RSS 2.0, UTF-8):
 * - items 0–39 are the feed's own stories;
 * - items 40–44 repeat stories of a sibling feed of the same publisher
 *   (same guid and link: within-publisher dedup must drop them);
 * - items 45–49 reprint another publisher's story with an altered title
 *   and the reprinter's own guid and link (stored; a story-clustering case).
 * Publishers write in English, Russian or Turkish, in turn.
 */

export const ITEMS_PER_FEED = 50;
const OWN = 40;
const SIBLING_REPEATS = 5;
export const FEEDS_PER_SOURCE = 5;
/** Feeds are spread over this many loopback addresses (127.0.0.1 … 127.0.0.100): the fetcher limits concurrency per host. */
export const HOSTS = 100;

export type Lang = 'en' | 'ru' | 'tr';
const LANGS: readonly Lang[] = ['en', 'ru', 'tr'];

export interface BenchSource {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly lang: Lang;
  /** Feed indexes of this source. */
  readonly feeds: readonly number[];
}

export interface BenchItem {
  readonly guid: string;
  readonly link: string;
  readonly title: string;
  readonly description: string;
  readonly contentHtml: string;
  readonly author: string;
  readonly categories: readonly string[];
  readonly pubDate: Date;
}

/** The commonest words of each language: the head of its vocabulary (see VOCABULARY). */
const COMMON: Record<Lang, readonly string[]> = {
  en: `the government said on minister talks after week city officials report new plan border security trade deal
    economy growth prices energy market company shares election vote parliament court ruling police protest workers
    union strike health hospital school students water power grid storm flood weather season league match coach
    players season record years million billion people country region capital president agreement support
    investment bank rates inflation exports imports ministry spokesman statement announced expected according`.split(/\s+/),
  ru: `правительство заявил министр переговоры после недели город власти сообщили новый план граница безопасность
    торговля сделка экономика рост цены энергия рынок компания акции выборы голосование парламент суд решение
    полиция протест рабочие профсоюз забастовка здоровье больница школа студенты вода электричество буря
    наводнение погода сезон лига матч тренер игроки рекорд годы миллион миллиард люди страна регион столица
    президент соглашение поддержка инвестиции банк ставки инфляция экспорт импорт министерство представитель`.split(/\s+/),
  tr: `hükümet açıkladı bakan görüşmeler sonra hafta şehir yetkililer bildirdi yeni plan sınır güvenlik ticaret
    anlaşma ekonomi büyüme fiyatlar enerji piyasa şirket hisseler seçim oy meclis mahkeme karar polis protesto
    işçiler sendika grev sağlık hastane okul öğrenciler su elektrik fırtına sel hava sezon lig maç teknik
    oyuncular rekor yıllar milyon milyar insanlar ülke bölge başkent cumhurbaşkanı destek yatırım banka faiz
    enflasyon ihracat ithalat bakanlık sözcü açıklama İstanbul İzmir Iğdır ılık ışık`.split(/\s+/),
};

/** Syllables for proper names (places, people): the words topics are made of. */
const SYLLABLES: Record<Lang, readonly string[]> = {
  en: ['bar', 'ton', 'mer', 'ley', 'dal', 'wick', 'ford', 'ash', 'ing', 'ham', 'ros', 'vel', 'kan', 'dor'],
  ru: ['ка', 'ро', 'ми', 'ла', 'ст', 'но', 'ви', 'ре', 'та', 'шин', 'гор', 'ель', 'ск', 'ов'],
  tr: ['ka', 'ğı', 'şe', 'ün', 'ıl', 'öz', 'çe', 'su', 'taş', 'dağ', 'İr', 'gül', 'ay', 'kır'],
};

// Enough names that a topic of 10 keywords catches a few percent of the stories, as news topics do.
const NAMES_PER_LANG = 500;
const NAMES: Record<Lang, readonly string[]> = {
  en: names('en'),
  ru: names('ru'),
  tr: names('tr'),
};

function names(lang: Lang): string[] {
  const rnd = rng(hash(`names:${lang}`));
  const out = new Set<string>();
  while (out.size < NAMES_PER_LANG) {
    const n = 2 + Math.floor(rnd() * 2);
    let w = '';
    for (let i = 0; i < n; i++) w += pick(rnd, SYLLABLES[lang]);
    out.add(w.charAt(0).toLocaleUpperCase(lang) + w.slice(1));
  }
  return [...out];
}

/** Syllables for the rest of the vocabulary (none of them occur in SYLLABLES, so no word is a name). */
const WORD_SYLLABLES: Record<Lang, readonly string[]> = {
  en: ['pro', 'con', 'ment', 'ate', 'ive', 'ous', 'tion', 'al', 'er', 'ly', 'ist', 'ure', 'ance', 'ize', 'ect', 'und', 'ark', 'ell', 'im', 'sub'],
  ru: ['пра', 'вит', 'ель', 'ство', 'ние', 'ция', 'раз', 'вы', 'при', 'об', 'мен', 'ный', 'кий', 'зна', 'дел', 'пол', 'сто', 'лич', 'рот', 'уч'],
  tr: ['lar', 'ler', 'mak', 'mek', 'lık', 'lik', 'cı', 'ci', 'sız', 'siz', 'ne', 'de', 'ye', 'ba', 'yol', 'iç', 'dış', 'yer', 'gö', 've'],
};

/**
 * Each language's vocabulary: its common words first, then 4,000 generated
 * ones, drawn with a Zipf–Mandelbrot distribution (rank r has weight
 * 1 / (r + 2.7)), as words in news text are. A small uniform vocabulary
 * would make unrelated stories share a third of their words, ten times what
 * real headlines share (mean Jaccard of unrelated pairs in
 * news-clusters.tsv: 0.006), and flood the story step's LSH buckets with
 * false candidates.
 */
const VOCABULARY_SIZE = 4000;
const VOCABULARY: Record<Lang, { readonly words: readonly string[]; readonly cumulative: Float64Array }> = {
  en: vocabulary('en'),
  ru: vocabulary('ru'),
  tr: vocabulary('tr'),
};

function vocabulary(lang: Lang): { words: string[]; cumulative: Float64Array } {
  const rnd = rng(hash(`vocabulary:${lang}`));
  const names = new Set(NAMES[lang].map((n) => n.toLocaleLowerCase(lang)));
  const words = [...COMMON[lang]];
  const seen = new Set(words);
  while (words.length < COMMON[lang].length + VOCABULARY_SIZE) {
    const n = 2 + Math.floor(rnd() * 2);
    let w = '';
    for (let i = 0; i < n; i++) w += pick(rnd, WORD_SYLLABLES[lang]);
    if (seen.has(w) || names.has(w)) continue;
    seen.add(w);
    words.push(w);
  }
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) cumulative[r] = total += 1 / (r + 2.7);
  for (let r = 0; r < words.length; r++) cumulative[r]! /= total;
  return { words, cumulative };
}

/** A word of the language, drawn by its Zipf weight. */
function word(rnd: () => number, lang: Lang): string {
  const { words, cumulative } = VOCABULARY[lang];
  const x = rnd();
  let lo = 0;
  let hi = words.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
}

const CATEGORIES: Record<Lang, readonly string[]> = {
  en: ['World', 'Politics', 'Economy', 'Business', 'Sport', 'Science', 'Health', 'Culture', 'Europe', 'Middle East'],
  ru: ['В мире', 'Политика', 'Экономика', 'Бизнес', 'Спорт', 'Наука', 'Здоровье', 'Культура', 'Европа', 'Ближний Восток'],
  tr: ['Dünya', 'Politika', 'Ekonomi', 'İş Dünyası', 'Spor', 'Bilim', 'Sağlık', 'Kültür', 'Avrupa', 'Orta Doğu'],
};

const AUTHORS: Record<Lang, readonly string[]> = {
  en: ['Jane Carter', 'Tom Willis', 'Ahmed Rahman', 'Laura Stein', 'Mark O\'Neill'],
  ru: ['Иван Петров', 'Анна Смирнова', 'Олег Волков', 'Мария Орлова', 'Дмитрий Козлов'],
  tr: ['Ayşe Yılmaz', 'Mehmet Öztürk', 'İbrahim Çelik', 'Zeynep Şahin', 'Emre Doğan'],
};

const REPRINT_PREFIX: Record<Lang, readonly string[]> = {
  en: ['UPDATE: ', 'Breaking: ', 'Report: '],
  ru: ['ОБНОВЛЕНО: ', 'Срочно: ', 'Источник: '],
  tr: ['GÜNCELLEME: ', 'Son dakika: ', 'Rapor: '],
};

export class Corpus {
  readonly sources: readonly BenchSource[];
  private readonly sourceOfFeed: readonly number[];
  /** Fixed, so a re-run yields the same pubDates (and the same ETags). */
  private readonly epoch = Date.UTC(2026, 10, 20, 12, 0, 0);

  constructor(
    readonly feedCount: number,
    readonly seed = 1,
  ) {
    const sources: BenchSource[] = [];
    const sourceOfFeed: number[] = [];
    for (let f = 0, s = 0; f < feedCount; s++) {
      const feeds: number[] = [];
      for (let k = 0; k < FEEDS_PER_SOURCE && f < feedCount; k++, f++) {
        feeds.push(f);
        sourceOfFeed.push(s);
      }
      const lang = LANGS[s % LANGS.length]!;
      sources.push({ index: s, id: `pub-${s}`, name: `${lang.toUpperCase()} Publisher ${s}`, lang, feeds });
    }
    this.sources = sources;
    this.sourceOfFeed = sourceOfFeed;
  }

  /** The path of feed f on the bench feed server. */
  static feedPath(f: number): string {
    return `/feed/${f}.xml`;
  }

  /** 127.0.0.1 … 127.0.0.100. */
  static hostOf(f: number): string {
    return `127.0.0.${1 + (f % HOSTS)}`;
  }

  sourceOf(f: number): BenchSource {
    return this.sources[this.sourceOfFeed[f]!]!;
  }

  /** The i-th item of feed f. */
  item(f: number, i: number): BenchItem {
    const src = this.sourceOf(f);
    if (i < OWN) return this.story(f, i);
    if (i < OWN + SIBLING_REPEATS) {
      const siblings = src.feeds.filter((x) => x !== f);
      // A one-feed publisher (the last, with an odd feed count) has no sibling: its own stories fill the slots.
      if (siblings.length === 0) return this.story(f, i);
      return this.story(siblings[(f + i) % siblings.length]!, (i * 7 + f) % OWN);
    }
    // A reprint of a story from another publisher writing in the same language.
    const other = this.sources[(src.index + LANGS.length) % this.sources.length]!;
    if (other.index === src.index) return this.story(f, i);
    const from = other.feeds[i % other.feeds.length]!;
    const orig = this.story(from, (i * 11 + f) % OWN);
    const rnd = rng(hash(`reprint:${f}:${i}`));
    const slug = `${f}-${i}`;
    return {
      ...orig,
      guid: `https://${src.id}.example/news/${slug}`,
      link: `https://${src.id}.example/news/${slug}?utm_source=rss&utm_medium=feed`,
      title: pick(rnd, REPRINT_PREFIX[src.lang]) + orig.title,
      author: pick(rnd, AUTHORS[src.lang]),
    };
  }

  private story(f: number, i: number): BenchItem {
    const src = this.sourceOf(f);
    const lang = src.lang;
    const rnd = rng(hash(`story:${this.seed}:${f}:${i}`));
    const name = () => pick(rnd, NAMES[lang]);
    const sentence = (words: number, withName: boolean) => {
      const ws: string[] = [];
      for (let k = 0; k < words; k++) ws.push(withName && k === 2 ? name() : word(rnd, lang));
      const s = ws.join(' ');
      return s.charAt(0).toLocaleUpperCase(lang) + s.slice(1) + '.';
    };
    const title = `${name()} ${sentence(8, false).slice(0, -1)} ${name()}`;
    const description = [sentence(12, true), sentence(10, true)].join(' ');
    const paras: string[] = [];
    for (let p = 0; p < 3; p++) {
      const body = [sentence(11, p === 0), sentence(9, p === 0)].join(' ');
      paras.push(p === 1 ? `<p>${body} <a href="/related/${f}-${i}-${p}?utm_campaign=x">${name()}</a> <strong>${name()}</strong></p>` : `<p>${body}</p>`);
    }
    paras.splice(2, 0, `<figure><img src="https://img.${src.id}.example/${f}/${i}.jpg" alt="${name()}"></figure>`);
    const cats = CATEGORIES[lang];
    const c0 = Math.floor(rnd() * cats.length);
    return {
      guid: `https://${src.id}.example/news/${f}-${i}`,
      link: `https://${src.id}.example/news/${f}-${i}?utm_source=rss&utm_medium=feed`,
      title,
      description,
      contentHtml: paras.join('\n'),
      author: pick(rnd, AUTHORS[lang]),
      categories: [cats[c0]!, cats[(c0 + 3) % cats.length]!, ...(rnd() < 0.5 ? [name()] : [])],
      pubDate: new Date(this.epoch - Math.floor(rnd() * 7 * 24 * 3600_000)),
    };
  }

  /** Feed f as RSS 2.0 bytes. */
  feedXml(f: number): Buffer {
    const src = this.sourceOf(f);
    const parts: string[] = [
      '<?xml version="1.0" encoding="UTF-8"?>\n',
      '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n',
      `<title>${esc(src.name)} — feed ${f}</title>\n<link>https://${src.id}.example/</link>\n`,
      `<description>Bench feed ${f}</description>\n<language>${src.lang}</language>\n<ttl>15</ttl>\n`,
    ];
    for (let i = 0; i < ITEMS_PER_FEED; i++) {
      const it = this.item(f, i);
      parts.push(
        '<item>\n',
        `<title>${esc(it.title)}</title>\n<link>${esc(it.link)}</link>\n<guid isPermaLink="true">${esc(it.guid)}</guid>\n`,
        `<pubDate>${it.pubDate.toUTCString()}</pubDate>\n<dc:creator>${esc(it.author)}</dc:creator>\n`,
        ...it.categories.map((c) => `<category>${esc(c)}</category>\n`),
        `<description>${esc(it.description)}</description>\n`,
        `<content:encoded><![CDATA[${it.contentHtml}]]></content:encoded>\n`,
        '</item>\n',
      );
    }
    parts.push('</channel>\n</rss>\n');
    return Buffer.from(parts.join(''), 'utf8');
  }

  /**
   * 50 topics of 10 keywords each, drawn from the names the stories use,
   * mixing languages; a few are prefix terms ("Name*").
   */
  topics(count = 50, keywords = 10): { slug: string; title: string; match: { any: string[] } }[] {
    const out: { slug: string; title: string; match: { any: string[] } }[] = [];
    for (let t = 0; t < count; t++) {
      const any: string[] = [];
      for (let k = 0; k < keywords; k++) {
        const lang = LANGS[k % LANGS.length]!;
        const w = NAMES[lang][(t * keywords + k) % NAMES_PER_LANG]!;
        any.push(k === 0 ? `${w.slice(0, Math.max(3, w.length - 2))}*` : w);
      }
      out.push({ slug: `topic-${t}`, title: `Topic ${t}`, match: { any } });
    }
    return out;
  }
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
