/**
 * Paging cursors are read back strictly: only what the API itself could have written names a
 * position, so forged or damaged cursors are refused before they reach a query.
 */
import fc from 'fast-check';
import { decodeListCursor, encodeListCursor } from '../../api/listCursor';

const forge = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('list cursors', () => {
  it('reads back the position it wrote', () => {
    const position = { publishAt: '2027-05-02T08:00:00.000Z', id: 'b1f7c1de-3d0c-4a8e-9a63-0c1c5a0d9e11' };
    expect(decodeListCursor(encodeListCursor(position))).toEqual(position);
  });

  it.each([
    ['a year as text', ['1', 'x']],
    ['a bare year', ['2027', 'a']],
    ['a date JavaScript cannot hold', ['+275761-01-01T00:00:00.000Z', 'a']],
    ['a date beyond year 9999', ['+010000-01-01T00:00:00.000Z', 'a']],
    ['year zero', ['0000-01-01T00:00:00.000Z', 'a']],
    ['an impossible day', ['2027-02-30T00:00:00.000Z', 'a']],
    ['an instant with an offset', ['2027-05-02T10:00:00.000+02:00', 'a']],
    ['a NUL in the id', ['2027-05-02T08:00:00.000Z', 'a\u0000b']],
    ['a lone surrogate in the id', ['2027-05-02T08:00:00.000Z', '\ud83d']],
    ['an empty id', ['2027-05-02T08:00:00.000Z', '']],
    ['a number for the id', ['2027-05-02T08:00:00.000Z', 7]],
    ['three parts', ['2027-05-02T08:00:00.000Z', 'a', 'b']],
    ['an object', { publishAt: '2027-05-02T08:00:00.000Z', id: 'a' }],
  ])('refuses a cursor holding %s', (_label, content) => {
    expect(decodeListCursor(forge(content))).toBeUndefined();
  });

  it('refuses text that is not base64url, or padded, or too long', () => {
    const valid = encodeListCursor({ publishAt: '2027-05-02T08:00:00.000Z', id: 'a' });
    expect(decodeListCursor(`${valid}=`)).toBeUndefined();
    expect(decodeListCursor(`${valid}!`)).toBeUndefined();
    expect(decodeListCursor('bm90LWEtY3Vyc29y')).toBeUndefined();
    expect(decodeListCursor('A'.repeat(600))).toBeUndefined();
  });

  it('decodes any string either to a canonical position or to nothing, never throwing', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.base64String({ maxLength: 120 }).map((text) => text.replace(/\+/g, '-').replace(/\//g, '_')),
          fc.jsonValue().map(forge),
        ),
        (cursor) => {
          const position = decodeListCursor(cursor);
          if (position === undefined) return;
          expect(new Date(position.publishAt).toISOString()).toBe(position.publishAt);
          expect(position.id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:@-]*$/);
          expect(encodeListCursor(position)).toBe(cursor);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips every position a post can have', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59.999Z'),
          noInvalidDate: true,
        }),
        fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,60}$/),
        (date, id) => {
          const position = { publishAt: date.toISOString(), id };
          expect(decodeListCursor(encodeListCursor(position))).toEqual(position);
        },
      ),
      { numRuns: 300 },
    );
  });
});
