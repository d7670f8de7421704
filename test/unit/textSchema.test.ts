import { Text } from '../../api/schemas/common';
import { TEXT } from '../../domain/limits';

describe('free text at the API edge', () => {
  const title = Text(TEXT.title, { trim: true });

  it('refuses a control character even where trimming would drop it', () => {
    const result = title.safeParse('Winter blend\u000b');
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([expect.stringContaining('U+000B')]);
  });

  it('keeps trimmed text and reports each problem once', () => {
    expect(title.safeParse('  Winter blend  ').data).toBe('Winter blend');
    expect(title.safeParse('a\u0000').error?.issues).toHaveLength(1);
    expect(title.safeParse(' \u200b ').error?.issues.map((issue) => issue.message)).toEqual([
      'must contain visible text',
    ]);
    expect(title.safeParse('x'.repeat(201)).error?.issues).toHaveLength(1);
  });
});
