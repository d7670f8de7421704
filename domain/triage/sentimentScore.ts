/**
 * Sentiment of an inbound message with the `sentiment` library (AFINN-165 word scores, English).
 * It loads its word list at import, so it runs in an activity; workflow code receives the score
 * and never imports this module (the triage facade does not re-export it).
 */
import Sentiment from 'sentiment';

const analyzer = new Sentiment();

export const SENTIMENT_LANGUAGES = ['en'] as const;

export interface SentimentScore {
  /** Sum of the word scores: below 0 is negative. */
  score: number;
  /** Score per word, comparable across message lengths. */
  comparative: number;
  language: string;
}

/**
 * The message's sentiment, or null for a language the library has no word list for: no score
 * is better than an English reading of, say, German text.
 */
export function sentimentScore({ text, language = 'en' }: { text: string; language?: string }): SentimentScore | null {
  const base = language.toLowerCase().split(/[-_]/)[0] ?? '';
  if (!(SENTIMENT_LANGUAGES as readonly string[]).includes(base)) return null;
  const { score, comparative } = analyzer.analyze(text, { language: base });
  return { score, comparative, language: base };
}
