/**
 * One string for each value seen often, so that many long-lived records holding equal values hold
 * one copy: strings decoded from requests or rows are new strings each time. Bounded: the values
 * used longest ago are forgotten (records keep the copies they have).
 */
const DEFAULT_LIMIT_CHARS = 1024 * 1024;

export class SharedStrings {
  private readonly strings = new Map<string, string>();
  private chars = 0;

  constructor(private readonly limitChars = DEFAULT_LIMIT_CHARS) {}

  /** The shared string equal to `value`: `value` itself the first time it is seen. */
  get(value: string): string {
    const known = this.strings.get(value);
    this.strings.delete(value);
    const kept = known ?? value;
    if (kept.length > this.limitChars) return kept;
    this.strings.set(kept, kept);
    if (known === undefined) this.chars += kept.length;
    for (const oldest of this.strings.keys()) {
      if (this.chars <= this.limitChars) break;
      this.strings.delete(oldest);
      this.chars -= oldest.length;
    }
    return kept;
  }
}
