import { carriesSponsorDisclosure, findBannedPhrases } from '../../domain/brandRules';

describe('findBannedPhrases', () => {
  const bannedPhrases = ['guaranteed returns', 'scam', 'risk-free', '100% natural', 'C++'];

  it('finds a banned phrase whatever its case', () => {
    expect(findBannedPhrases({ text: 'GUARANTEED Returns for everyone', bannedPhrases })).toEqual([
      'guaranteed returns',
    ]);
  });

  it('matches whole phrases only', () => {
    expect(findBannedPhrases({ text: 'Try our scampi and our risk-freedom plan', bannedPhrases })).toEqual([]);
    expect(findBannedPhrases({ text: 'This is not a scam.', bannedPhrases })).toEqual(['scam']);
  });

  it('matches across line breaks and repeated spaces between words', () => {
    expect(findBannedPhrases({ text: 'Guaranteed\n  returns!', bannedPhrases })).toEqual(['guaranteed returns']);
  });

  it('treats punctuation in a phrase literally', () => {
    expect(findBannedPhrases({ text: 'Now 100% natural, and written in C++!', bannedPhrases })).toEqual([
      '100% natural',
      'C++',
    ]);
    expect(findBannedPhrases({ text: '100 natural, C', bannedPhrases })).toEqual([]);
  });

  it('matches accented text regardless of case or composition', () => {
    const decomposed = 'CAFE\u0301 GRATUIT';
    expect(findBannedPhrases({ text: decomposed, bannedPhrases: ['café gratuit'] })).toEqual(['café gratuit']);
  });

  it('reports each phrase once and ignores blank entries', () => {
    expect(findBannedPhrases({ text: 'scam scam SCAM', bannedPhrases: ['scam', 'Scam', '  ', ''] })).toEqual(['scam']);
  });
});

describe('carriesSponsorDisclosure', () => {
  it.each(['Loving it #ad', '#Ad at the start', 'Thanks to our partner #sponsored', '#SPONSORED'])(
    'accepts %j',
    (text) => {
      expect(carriesSponsorDisclosure(text)).toBe(true);
    },
  );

  it.each(['an ad without a hashtag', '#adventure time', 'https://acme.com/#ad', '#sponsoredby', 'ad#ad'])(
    'does not accept %j',
    (text) => {
      expect(carriesSponsorDisclosure(text)).toBe(false);
    },
  );
});
