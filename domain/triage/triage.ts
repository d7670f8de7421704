/**
 * Triage of one inbound message: priority, category and queue, each with the reason that decided
 * it, from the brand's rules, its VIP list, the kind of message and a sentiment score computed
 * beforehand (see sentimentScore.ts, which runs outside workflow code).
 *
 * Precedence, per decision:
 * - priority: the highest of every source (matching rules, VIP author, negative sentiment, the
 *   kind's baseline); sources can raise a priority, never lower it, so no rule can bury a VIP.
 *   On a tie the first source in that order is recorded.
 * - category: crisis_sensitive as soon as any matching rule says so (nothing may hide a crisis);
 *   otherwise the first matching rule, in the brand's order, that sets one; otherwise complaint
 *   for negative sentiment, else support.
 * - queue: the first matching rule that sets one, else the brand's queue for the category.
 * - close without reply: only spam whose deciding rule says so, and never for a VIP author.
 */
import { PRIORITIES, type Priority } from '../sla';
import { firstPhraseIn, phraseMatcher, type PhraseMatcher } from './phraseMatcher';
import {
  validateTriageRules,
  type MessageKind,
  type QueueName,
  type TriageCategory,
  type TriageRule,
  type TriageRules,
} from './rules';

export interface InboundMessage {
  text: string;
  kind: MessageKind;
  authorId: string;
  authorHandle?: string;
}

export interface SentimentReading {
  score: number;
  comparative: number;
}

export type TriageReason =
  | { source: 'rule'; ruleId: string; phrase: string }
  | { source: 'vip'; author: string }
  | { source: 'sentiment'; score: number }
  | { source: 'kind'; kind: MessageKind }
  | { source: 'category'; category: TriageCategory }
  | { source: 'default' };

export interface MatchedRule {
  ruleId: string;
  phrase: string;
}

export interface TriageResult {
  priority: Priority;
  category: TriageCategory;
  queue: QueueName;
  closeWithoutReply: boolean;
  /** Every rule that matched, in the brand's order, with the phrase that matched. */
  matchedRules: MatchedRule[];
  decidedBy: {
    priority: TriageReason;
    category: TriageReason;
    queue: TriageReason;
    closeWithoutReply: TriageReason | null;
  };
  sentiment: SentimentReading | null;
  rulesVersion: number;
}

export class TriageRulesError extends Error {
  override readonly name = 'TriageRulesError';
}

function rank(priority: Priority): number {
  return PRIORITIES.length - PRIORITIES.indexOf(priority);
}

function vipAuthor({ rules, message }: { rules: TriageRules; message: InboundMessage }): string | undefined {
  const handle = message.authorHandle?.replace(/^@/, '').toLowerCase();
  return rules.vipAuthors.find(
    (author) =>
      author === message.authorId || (handle !== undefined && author.replace(/^@/, '').toLowerCase() === handle),
  );
}

function matchingRules({ rules, message }: { rules: TriageRules; message: InboundMessage }) {
  const matches: { rule: TriageRule; phrase: string }[] = [];
  for (const rule of rules.rules) {
    if (rule.kinds && !rule.kinds.includes(message.kind)) continue;
    const matchers: PhraseMatcher[] = rule.phrases.map((phrase) => phraseMatcher({ phrase }));
    const phrase = firstPhraseIn({ text: message.text, matchers });
    if (phrase !== undefined) matches.push({ rule, phrase });
  }
  return matches;
}

export function triageMessage({
  rules,
  message,
  sentiment,
}: {
  rules: TriageRules;
  message: InboundMessage;
  sentiment: SentimentReading | null;
}): TriageResult {
  const problems = validateTriageRules({ rules });
  if (problems.length > 0) {
    throw new TriageRulesError(
      `invalid triage rules: ${problems.map((problem) => `${problem.path} ${problem.message}`).join('; ')}`,
    );
  }
  const matches = matchingRules({ rules, message });
  const ruleReason = ({ rule, phrase }: { rule: TriageRule; phrase: string }): TriageReason => ({
    source: 'rule',
    ruleId: rule.id,
    phrase,
  });
  const vip = vipAuthor({ rules, message });
  const negative = sentiment !== null && sentiment.score <= rules.negativeSentimentScore;

  const priorityCandidates: { priority: Priority; reason: TriageReason }[] = [
    ...matches.flatMap((match) =>
      match.rule.priority ? [{ priority: match.rule.priority, reason: ruleReason(match) }] : [],
    ),
    ...(vip !== undefined ? [{ priority: rules.vipPriority, reason: { source: 'vip', author: vip } as const }] : []),
    ...(negative
      ? [
          {
            priority: rules.negativeSentimentPriority,
            reason: { source: 'sentiment', score: sentiment.score } as const,
          },
        ]
      : []),
    { priority: rules.priorityByKind[message.kind], reason: { source: 'kind', kind: message.kind } },
  ];
  const priority = priorityCandidates.reduce((best, candidate) =>
    rank(candidate.priority) > rank(best.priority) ? candidate : best,
  );

  const categoryMatch =
    matches.find((match) => match.rule.category === 'crisis_sensitive') ?? matches.find((match) => match.rule.category);
  const category: { category: TriageCategory; reason: TriageReason } = categoryMatch
    ? { category: categoryMatch.rule.category!, reason: ruleReason(categoryMatch) }
    : negative
      ? { category: 'complaint', reason: { source: 'sentiment', score: sentiment.score } }
      : { category: 'support', reason: { source: 'default' } };

  const queueMatch = matches.find((match) => match.rule.queue);
  const queue: { queue: QueueName; reason: TriageReason } = queueMatch
    ? { queue: queueMatch.rule.queue!, reason: ruleReason(queueMatch) }
    : { queue: rules.queueByCategory[category.category], reason: { source: 'category', category: category.category } };

  let closeWithoutReply: TriageReason | null = null;
  if (category.category === 'spam' && categoryMatch?.rule.closeWithoutReply) {
    closeWithoutReply = vip !== undefined ? null : ruleReason(categoryMatch);
  }

  return {
    priority: priority.priority,
    category: category.category,
    queue: queue.queue,
    closeWithoutReply: closeWithoutReply !== null,
    matchedRules: matches.map(({ rule, phrase }) => ({ ruleId: rule.id, phrase })),
    decidedBy: {
      priority: priority.reason,
      category: category.reason,
      queue: queue.reason,
      closeWithoutReply,
    },
    sentiment,
    rulesVersion: rules.version,
  };
}
