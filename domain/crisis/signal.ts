/** Which triaged inbound messages the brand's crisis monitor hears about. */
import type { TriageResult, TriageRules } from '../triage';

/** A message counts when its sentiment is negative by the brand's rules, or triage called it crisis-sensitive. */
export function countsTowardsCrisis({
  triage,
  rules,
}: {
  triage: Pick<TriageResult, 'category' | 'sentiment'>;
  rules: Pick<TriageRules, 'negativeSentimentScore'>;
}): boolean {
  if (triage.category === 'crisis_sensitive') return true;
  return triage.sentiment !== null && triage.sentiment.score <= rules.negativeSentimentScore;
}
