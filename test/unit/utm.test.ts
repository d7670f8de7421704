import { tagLinks, type UtmTags } from '../../domain/utm';

const utm: UtmTags = { source: 'acme', medium: 'social', campaign: 'spring', content: 'post-42' };
const TAGS = 'utm_source=acme&utm_medium=social&utm_campaign=spring&utm_content=post-42';

describe('tagLinks', () => {
  it('adds every UTM parameter to a link without a query', () => {
    expect(tagLinks({ text: 'Shop https://acme.com/sale now', utm })).toBe(`Shop https://acme.com/sale?${TAGS} now`);
  });

  it('keeps the existing query parameters exactly as written, in order, and appends after them', () => {
    expect(tagLinks({ text: 'https://acme.com/p?color=red&q=a%20b&x=1+2', utm })).toBe(
      `https://acme.com/p?color=red&q=a%20b&x=1+2&${TAGS}`,
    );
  });

  it('puts the parameters before the fragment, keeping the fragment', () => {
    expect(tagLinks({ text: 'Read https://acme.com/p#reviews', utm })).toBe(`Read https://acme.com/p?${TAGS}#reviews`);
    expect(tagLinks({ text: 'https://acme.com/app#/route?tab=2', utm })).toBe(
      `https://acme.com/app?${TAGS}#/route?tab=2`,
    );
  });

  it('leaves an already tagged link unchanged', () => {
    const tagged = `Shop https://acme.com/sale?ref=nl&${TAGS}.`;
    expect(tagLinks({ text: tagged, utm })).toBe(tagged);
  });

  it('never overwrites a UTM value the author chose, adding only the missing ones', () => {
    expect(tagLinks({ text: 'https://acme.com/p?utm_campaign=black-friday', utm })).toBe(
      'https://acme.com/p?utm_campaign=black-friday&utm_source=acme&utm_medium=social&utm_content=post-42',
    );
  });

  it('tags several links and leaves the text around them alone', () => {
    const text = 'New: https://acme.com/a, and https://shop.acme.com/b?x=1 (also www.acme.com).\nBye';
    expect(tagLinks({ text, utm })).toBe(
      `New: https://acme.com/a?${TAGS}, and https://shop.acme.com/b?x=1&${TAGS} (also www.acme.com?${TAGS}).\nBye`,
    );
  });

  it('never changes the scheme, host or path of a link', () => {
    const written = [
      'HTTPS://Acme.COM/Sale',
      'https://日本.jp/path',
      'acme.com/a/b/',
      'http://acme.com:8080/x',
      'https://acme.com',
    ];
    for (const link of written) {
      const tagged = tagLinks({ text: link, utm });
      expect(tagged.startsWith(link)).toBe(true);
      expect(tagged.slice(link.length)).toBe(`?${TAGS}`);
    }
  });

  it('tags the same text the same way twice, so re-checking content changes nothing', () => {
    const text = 'A https://acme.com/a?b=1#c and acme.com/d';
    const once = tagLinks({ text, utm });
    expect(tagLinks({ text: once, utm })).toBe(once);
  });

  it('leaves out a tag that has no value', () => {
    expect(tagLinks({ text: 'https://acme.com/a', utm: { ...utm, campaign: '' } })).toBe(
      'https://acme.com/a?utm_source=acme&utm_medium=social&utm_content=post-42',
    );
  });

  it('encodes values that are not URL-safe', () => {
    expect(tagLinks({ text: 'https://acme.com/a', utm: { ...utm, campaign: 'Spring Sale & more' } })).toBe(
      'https://acme.com/a?utm_source=acme&utm_medium=social&utm_campaign=Spring+Sale+%26+more&utm_content=post-42',
    );
  });

  it('leaves e-mail addresses, other schemes and file names alone', () => {
    const text = 'Mail press@acme.com, get ftp://files.acme.com/x, read README.md';
    expect(tagLinks({ text, utm })).toBe(text);
  });
});
