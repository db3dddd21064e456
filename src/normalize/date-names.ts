/**
 * Month names, day names and time-zone names that feed dates use, in the
 * languages feeds are commonly written in. Keys are lower-case, without a
 * trailing dot and without diacritics (see fold).
 */
const MONTHS: readonly (readonly string[])[] = [
  // English, German, French, Spanish, Italian, Portuguese, Dutch, Hungarian, Greek, Russian, Turkish, Polish
  ['jan', 'january', 'januar', 'janv', 'janvier', 'ene', 'enero', 'gen', 'gennaio', 'janeiro', 'januari', 'januar', 'ιαν', 'ιανουαριος', 'ιανουαριου', 'янв', 'январь', 'января', 'oca', 'ocak', 'sty', 'styczen', 'stycznia'],
  ['feb', 'february', 'februar', 'fev', 'fevr', 'fevrier', 'febrero', 'febbraio', 'fevereiro', 'februari', 'febr', 'φεβ', 'φεβρουαριος', 'φεβρουαριου', 'фев', 'февраль', 'февраля', 'sub', 'subat', 'lut', 'luty', 'lutego'],
  ['mar', 'march', 'marz', 'maerz', 'mars', 'marzo', 'marco', 'maart', 'marc', 'marcius', 'μαρ', 'μαρτιος', 'μαρτιου', 'мар', 'март', 'марта', 'mart', 'marzec', 'marca'],
  ['apr', 'april', 'avr', 'avril', 'abr', 'abril', 'aprile', 'aprilis', 'απρ', 'απριλιος', 'απριλιου', 'апр', 'апрель', 'апреля', 'nis', 'nisan', 'kwi', 'kwiecien', 'kwietnia'],
  ['may', 'mai', 'mayo', 'mag', 'maggio', 'maio', 'mei', 'maj', 'majus', 'μαι', 'μαιος', 'μαιου', 'мая', 'май', 'may', 'mayis', 'maja'],
  ['jun', 'june', 'juni', 'juin', 'junio', 'giu', 'giugno', 'junho', 'jun', 'junius', 'ιουν', 'ιουνιος', 'ιουνιου', 'июн', 'июнь', 'июня', 'haz', 'haziran', 'cze', 'czerwiec', 'czerwca'],
  ['jul', 'july', 'juli', 'juil', 'juillet', 'julio', 'lug', 'luglio', 'julho', 'julius', 'ιουλ', 'ιουλιος', 'ιουλιου', 'июл', 'июль', 'июля', 'tem', 'temmuz', 'lip', 'lipiec', 'lipca'],
  ['aug', 'august', 'aout', 'ago', 'agosto', 'augustus', 'augusztus', 'αυγ', 'αυγουστος', 'αυγουστου', 'авг', 'август', 'августа', 'agu', 'agustos', 'sie', 'sierpien', 'sierpnia'],
  ['sep', 'sept', 'september', 'septembre', 'sep', 'septiembre', 'set', 'settembre', 'setembro', 'szeptember', 'σεπ', 'σεπτεμβριος', 'σεπτεμβριου', 'сен', 'сент', 'сентябрь', 'сентября', 'eyl', 'eylul', 'wrz', 'wrzesien', 'wrzesnia'],
  ['oct', 'october', 'okt', 'oktober', 'octobre', 'octubre', 'ott', 'ottobre', 'out', 'outubro', 'oktober', 'οκτ', 'οκτωβριος', 'οκτωβριου', 'окт', 'октябрь', 'октября', 'eki', 'ekim', 'paz', 'pazdziernik', 'pazdziernika'],
  ['nov', 'november', 'novembre', 'noviembre', 'novembro', 'νοε', 'νοεμβριος', 'νοεμβριου', 'ноя', 'ноябрь', 'ноября', 'kas', 'kasim', 'lis', 'listopad', 'listopada'],
  ['dec', 'december', 'dez', 'dezember', 'dec', 'decembre', 'dic', 'diciembre', 'dicembre', 'dezembro', 'δεκ', 'δεκεμβριος', 'δεκεμβριου', 'дек', 'декабрь', 'декабря', 'ara', 'aralik', 'gru', 'grudzien', 'grudnia'],
];

const DAYS = [
  'mon', 'monday', 'tue', 'tues', 'tuesday', 'wed', 'wednesday', 'thu', 'thur', 'thurs', 'thursday', 'fri', 'friday', 'sat', 'saturday', 'sun', 'sunday',
  'mo', 'di', 'mi', 'do', 'fr', 'sa', 'so', 'montag', 'dienstag', 'mittwoch', 'donnerstag', 'freitag', 'samstag', 'sonntag',
  'lun', 'mar', 'mer', 'jeu', 'ven', 'sam', 'dim', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche',
  'mie', 'jue', 'vie', 'sab', 'dom', 'lunes', 'martes', 'miercoles', 'jueves', 'viernes', 'sabado', 'domingo',
  'gio', 'lunedi', 'martedi', 'mercoledi', 'giovedi', 'venerdi', 'seg', 'ter', 'qua', 'qui', 'sex',
  'ma', 'wo', 'vr', 'za', 'zo', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag', 'zondag',
  'paz', 'pzt', 'sal', 'car', 'per', 'cum', 'cmt', 'pazar', 'pazartesi', 'sali', 'carsamba', 'persembe', 'cuma', 'cumartesi',
  'κυρ', 'δευ', 'τρι', 'τετ', 'πεμ', 'παρ', 'σαβ', 'пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс',
];

// Minutes east of UTC. RFC 822 §5 zones, the North American short forms (ET, PT, AT), and the common named ones.
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, 'etc/gmt': 0, 'etc/utc': 0, wet: 0, west: 60, bst: 60, ist: 330, cet: 60, cest: 120, met: 60, mest: 120,
  eet: 120, eest: 180, msk: 180, msd: 240, trt: 180,
  at: -240, ast: -240, adt: -180, et: -300, est: -300, edt: -240, ct: -360, cst: -360, cdt: -300, mt: -420, mst: -420, mdt: -360,
  pt: -480, pst: -480, pdt: -420, akst: -540, akdt: -480, hst: -600, nst: -210, ndt: -150,
  jst: 540, kst: 540, hkt: 480, sgt: 480, awst: 480, acst: 570, aest: 600, aedt: 660, nzst: 720, nzdt: 780,
};

const monthByName = new Map<string, number>();
MONTHS.forEach((names, i) => names.forEach((n) => monthByName.set(n, i)));
const dayNames = new Set(DAYS);

/** Lower-case, no trailing dot, no diacritics ("Ιούλ" → "ιουλ", "août" → "aout"). */
function fold(word: string): string {
  const w = word.toLowerCase().replace(/\.$/, '');
  // ASCII has no decompositions and no marks: skip the Unicode work for it.
  return /^[\x00-\x7f]*$/.test(w) ? w : w.normalize('NFD').replace(/\p{M}+/gu, '');
}

export function monthIndex(word: string): number | null {
  return monthByName.get(fold(word)) ?? null;
}

export function isDayName(word: string): boolean {
  return dayNames.has(fold(word));
}

export function zoneMinutes(word: string): number | null {
  return ZONES[word.toLowerCase()] ?? null;
}
