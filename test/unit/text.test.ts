import { graphemeLength, isBlank, storableText, textProblem, unpairedSurrogateAt } from '../../domain/text';

describe('text policy', () => {
  it('counts a family emoji or a flag as one character', () => {
    expect(graphemeLength('👨‍👩‍👧‍👦')).toBe(1);
    expect(graphemeLength('🇩🇪x')).toBe(2);
    expect(textProblem('👨‍👩‍👧‍👦'.repeat(30), { maxGraphemes: 200 })).toBeUndefined();
  });

  it('refuses text longer than the limit in graphemes', () => {
    expect(textProblem('a'.repeat(201), { maxGraphemes: 200 })?.code).toBe('too_long');
    expect(textProblem('a'.repeat(200), { maxGraphemes: 200 })).toBeUndefined();
  });

  it('refuses one grapheme stacked with thousands of combining marks', () => {
    expect(textProblem(`a${'\u0301'.repeat(5000)}`, { maxGraphemes: 200 })?.code).toBe('too_long');
  });

  it('refuses NUL and other control characters, naming the position', () => {
    const problem = textProblem('ab\u0000c', { maxGraphemes: 10 });
    expect(problem).toEqual({ code: 'control_character', message: expect.stringContaining('U+0000 at position 2') });
    expect(textProblem('a\u0085b', { maxGraphemes: 10, multiline: true })?.code).toBe('control_character');
    expect(textProblem('a\u007fb', { maxGraphemes: 10, multiline: true })?.code).toBe('control_character');
  });

  it('allows line breaks and tabs only in multi-line text', () => {
    expect(textProblem('a\nb\r\n\tc', { maxGraphemes: 10, multiline: true })).toBeUndefined();
    expect(textProblem('a\nb', { maxGraphemes: 10 })?.code).toBe('control_character');
  });

  it('refuses unpaired surrogates but accepts paired ones', () => {
    expect(textProblem('x\ud83d', { maxGraphemes: 10 })?.code).toBe('unpaired_surrogate');
    expect(textProblem('\ude00x', { maxGraphemes: 10 })?.code).toBe('unpaired_surrogate');
    expect(textProblem('😀', { maxGraphemes: 10 })).toBeUndefined();
    expect(unpairedSurrogateAt('😀\ud83dx')).toBe(2);
  });

  it('refuses text that shows nothing unless blank is allowed', () => {
    for (const blank of ['', '   ', '\u200b', '\u2060\ufeff', '\u3164', '\u2800']) {
      expect(textProblem(blank, { maxGraphemes: 10 })?.code).toBe('blank');
    }
    expect(isBlank('\u200bx')).toBe(false);
    expect(textProblem('', { maxGraphemes: 10, allowBlank: true })).toBeUndefined();
  });

  it('makes any text storable by replacing NUL and unpaired surrogates', () => {
    expect(storableText('a\u0000b\ud83dc\ude00😀')).toBe('a\ufffdb\ufffdc\ufffd😀');
    expect(storableText('plain')).toBe('plain');
  });
});
