import fc from 'fast-check';
import { storableValue, unstorableText } from '../../domain/storable';

describe('storable values', () => {
  it('finds NUL and unpaired surrogates anywhere, naming the path', () => {
    expect(unstorableText({ state: { variants: [{ failureReason: 'ok' }, { failureReason: 'x\u0000' }] } })).toEqual({
      code: 'control_character',
      message: 'contains the control character U+0000 at position 1',
      path: 'state.variants[1].failureReason',
    });
    expect(unstorableText(['\udc00'])?.path).toBe('[0]');
    expect(unstorableText({ 'ke\ud800y': 1 })?.path).toBe('<key>');
  });

  it('applies the text policy to the texts people write, by their field', () => {
    expect(unstorableText({ detail: { comment: 'x'.repeat(5001) } })).toMatchObject({
      code: 'too_long',
      path: 'detail.comment',
    });
    expect(unstorableText({ title: 'two\nlines' })).toMatchObject({ code: 'control_character', path: 'title' });
    expect(unstorableText({ note: 'two\nlines', comment: 'bell \u0007' })).toMatchObject({ path: 'comment' });
    // Blank stores fine; whether it says enough is the validators' business.
    expect(unstorableText({ comment: '   ', reason: '' })).toBeUndefined();
    // Text without rules of its own only has to be storable.
    expect(unstorableText({ message: `bell \u0007 ${'x'.repeat(20_000)}` })).toBeUndefined();
  });

  it('makes a value storable without changing what already was', () => {
    const fine = { title: 'Autumn 👨‍👩‍👧‍👦', decisions: [{ comment: 'ok\nthanks' }], count: 3, none: null };
    expect(storableValue(fine)).toEqual(fine);
    expect(
      storableValue({ title: 'a\u0000b\nc', comment: `${'x'.repeat(5000)}yz`, other: 'lone \ud83d', n: [1, '\u0000'] }),
    ).toEqual({
      title: 'a\ufffdb\ufffdc',
      comment: 'x'.repeat(5000),
      other: 'lone \ufffd',
      n: [1, '\ufffd'],
    });
  });

  it('always yields a value with nothing unstorable left in it', () => {
    const text = fc.string({ unit: 'binary', maxLength: 300 });
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('title', 'comment', 'reason', 'note', 'text', 'message'), tie('node'), {
          maxKeys: 4,
        }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        expect(unstorableText(storableValue(value))).toBeUndefined();
      }),
    );
  });

  it('cuts a text of stacked combining marks to what its field holds', () => {
    const stacked = `a${'\u0301'.repeat(5000)}`.repeat(3);
    expect(unstorableText(storableValue({ title: stacked }))).toBeUndefined();
  });
});
