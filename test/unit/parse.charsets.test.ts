import { readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { parseFeedBody } from '../../src/parse';
import { decodeBody } from '../../src/parse/decode';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'unit', name));

async function titles(name: string, contentType: string | null = null) {
  const { feed, decoded } = await parseFeedBody(fixture(name), contentType);
  return { feed: feed.title, item: feed.items[0]?.title, decoded };
}

describe('bytes to text: BOM → HTTP charset → prolog → valid UTF-8 → windows-1252', () => {
  it('reads a windows-1251 feed declared only in its XML prolog', async () => {
    const t = await titles('windows-1251-prolog.xml');
    expect(t).toMatchObject({ feed: 'Коммерсантъ', item: 'Новости дня', decoded: { charset: 'windows-1251', source: 'prolog' } });
  });

  it('reads an ISO-8859-9 feed declared only in the HTTP Content-Type', async () => {
    const t = await titles('iso-8859-9-http.xml', 'application/rss+xml; charset=ISO-8859-9');
    expect(t).toMatchObject({ feed: 'Hürriyet', item: "İstanbul'da ğüşıöç", decoded: { source: 'http' } });
  });

  it('without that header the same bytes are not valid UTF-8 and fall back to windows-1252 (so the header matters)', async () => {
    const t = await titles('iso-8859-9-http.xml');
    expect(t.decoded.source).toBe('fallback');
    expect(t.item).not.toBe("İstanbul'da ğüşıöç");
  });

  it('reads KOI8-R and EUC-KR declared in the prolog', async () => {
    expect(await titles('koi8-r-prolog.xml')).toMatchObject({ feed: 'Известия', item: 'Погода в Москве' });
    expect(await titles('euc-kr-prolog.xml')).toMatchObject({ feed: '한국 뉴스', item: '서울 날씨' });
  });

  it('reads UTF-16LE by its BOM and UTF-16BE by its "<?" byte pattern', async () => {
    expect(await titles('utf-16le-bom.xml')).toMatchObject({ feed: 'Ελληνικά', item: '日本語のニュース', decoded: { charset: 'utf-16le', source: 'bom' } });
    expect(await titles('utf-16be-nobom.xml')).toMatchObject({ feed: 'Big endian', item: 'Ünïcödé', decoded: { charset: 'utf-16be', source: 'pattern' } });
  });

  it('reads undeclared legacy bytes as windows-1252', async () => {
    expect(await titles('windows-1252-undeclared.xml')).toMatchObject({ feed: 'Café “quotes”', item: 'Naïve — dash', decoded: { source: 'fallback' } });
  });

  it('lets the HTTP charset win over the prolog', () => {
    const body = iconv.encode('<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Şeker</title></channel></rss>', 'windows-1254');
    expect(decodeBody(body, 'text/xml; charset=windows-1254').text).toContain('<title>Şeker</title>');
  });

  it('skips a declared UTF-8 that is not valid UTF-8', () => {
    const body = iconv.encode('<?xml version="1.0" encoding="utf-8"?><rss><channel><title>Ça va</title></channel></rss>', 'windows-1252');
    const d = decodeBody(body, 'application/xml; charset=utf-8');
    expect(d.text).toContain('Ça va');
    expect(d.source).toBe('fallback');
  });

  it('removes characters XML forbids and maps C1 controls to the windows-1252 characters meant', () => {
    const d = decodeBody(Buffer.from('<t>a\u0001b\u000bc don\u0092t</t>', 'utf8'), null);
    expect(d.text).toBe('<t>abc don’t</t>');
  });
});
