/**
 * The conversation list's cursor: a due time that may be missing, then an id, read back as
 * strictly as the posts' cursor.
 */
import { decodeDueCursor, encodeDueCursor } from '../../api/listCursor';

const forge = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

describe('due-time cursors', () => {
  it.each([[{ dueAt: '2027-05-02T08:00:00.000Z', id: 'acct-1:t-9' }], [{ dueAt: null, id: 'acct-1:t-9' }]])(
    'reads back the position it wrote: %o',
    (position) => {
      expect(decodeDueCursor(encodeDueCursor(position))).toEqual(position);
    },
  );

  it.each([
    ['a time without milliseconds', ['2027-05-02T08:00:00Z', 'a']],
    ['an offset', ['2027-05-02T10:00:00.000+02:00', 'a']],
    ['a number for the time', [0, 'a']],
    ['false for the time', [false, 'a']],
    ['a missing time', ['a']],
    ['a null id', [null, null]],
    ['an id with a space', [null, 'a b']],
    ['an object', { dueAt: null, id: 'a' }],
  ])('refuses a cursor holding %s', (_label, content) => {
    expect(decodeDueCursor(forge(content))).toBeUndefined();
  });

  it('refuses the same position spelled differently', () => {
    const spaced = Buffer.from('[null, "a"]', 'utf8').toString('base64url');
    expect(decodeDueCursor(spaced)).toBeUndefined();
    expect(decodeDueCursor(`${encodeDueCursor({ dueAt: null, id: 'a' })}=`)).toBeUndefined();
  });
});
