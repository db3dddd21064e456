import type { NormalizedItem } from '../../src/domain/item';
import { titleKey, withKeys } from '../../src/dedup/keys';
import { dedupBatch, resolveAgainstStored, type StoredCandidate } from '../../src/dedup/publisher';

const at = new Date('2020-02-10T06:30:00Z');
function item(over: Partial<NormalizedItem>): NormalizedItem {
  return {
    guid: null, url: null, canonicalUrl: null, title: 'Untitled', summary: null, contentHtml: null, author: null, categories: [],
    publishedAt: at, publishedEstimated: false, updatedAt: null, enclosures: [], language: null, ...over,
  };
}
function stored(over: Partial<StoredCandidate> & { id: number }): StoredCandidate {
  return { guid: null, canonicalUrl: null, titleKey: 'x', contentHash: 'h', publishedAt: at, ...over };
}

describe('normalized title key', () => {
  test('folds case, punctuation, diacritics and Turkish I', () => {
    expect(titleKey('TURKEY deploys army in Idlib!')).toBe(titleKey('Turkey deploys army in idlib'));
    expect(titleKey('TÜRKİYE İdlib’e asker sevk etti')).toBe(titleKey('Türkiye idlib e asker sevk etti'));
    expect(titleKey('Turkey deploys army')).not.toBe(titleKey('Turkey deploys navy'));
  });
});

describe('within one publisher: guid, then canonical URL, then normalized title', () => {
  const idlib = withKeys(item({ guid: 'a-1', canonicalUrl: 'http://n.example/idlib', title: 'Turkey deploys army in Idlib' }));

  test('the same guid is a duplicate; changed content marks it as an update', () => {
    const [same] = resolveAgainstStored([idlib], [stored({ id: 1, guid: 'a-1', contentHash: idlib.contentHash })]);
    expect(same).toMatchObject({ kind: 'duplicate', existingId: 1, layer: 'guid', changed: false });
    const [edited] = resolveAgainstStored([idlib], [stored({ id: 1, guid: 'a-1', contentHash: 'older' })]);
    expect(edited).toMatchObject({ kind: 'duplicate', layer: 'guid', changed: true });
  });

  test('another guid with the same canonical URL is a duplicate', () => {
    const [r] = resolveAgainstStored([idlib], [stored({ id: 2, guid: 'other', canonicalUrl: 'http://n.example/idlib' })]);
    expect(r).toMatchObject({ kind: 'duplicate', existingId: 2, layer: 'url' });
  });

  test('a new guid and URL but the same normalized title within a week is a duplicate', () => {
    const [r] = resolveAgainstStored([idlib], [stored({ id: 3, guid: 'z', canonicalUrl: 'http://m.n.example/x', titleKey: titleKey('TURKEY DEPLOYS ARMY IN IDLIB') })]);
    expect(r).toMatchObject({ kind: 'duplicate', existingId: 3, layer: 'title' });
  });

  test('the same title a month apart is a new item (a recurring column)', () => {
    const old = new Date(at.getTime() - 30 * 86400_000);
    const [r] = resolveAgainstStored([idlib], [stored({ id: 4, titleKey: idlib.titleKey, publishedAt: old })]);
    expect(r!.kind).toBe('new');
  });

  test('repeats inside one fetch are dropped before the database sees them', () => {
    const a = withKeys(item({ guid: 'g1', title: 'One' }));
    const b = withKeys(item({ guid: 'g1', title: 'One, edited' }));
    const c = withKeys(item({ guid: 'g2', canonicalUrl: 'http://x/1', title: 'Two' }));
    const d = withKeys(item({ guid: 'g3', canonicalUrl: 'http://x/1', title: 'Two again' }));
    const e = withKeys(item({ guid: 'g4', title: 'ONE' }));
    expect(dedupBatch([a, b, c, d, e])).toEqual({ unique: [a, c], repeats: 3 });
  });
});
