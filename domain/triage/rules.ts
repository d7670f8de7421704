/**
 * A brand's triage rules: literal keyword and phrase rules in the brand's order, its VIP authors,
 * and the few defaults that decide when no rule speaks. Plain JSON, stored with the brand.
 */
import { PRIORITIES, type Priority } from '../sla';
import { graphemeLength, textProblem } from '../text';

export const TRIAGE_CATEGORIES = ['support', 'sales', 'complaint', 'spam', 'crisis_sensitive'] as const;
export type TriageCategory = (typeof TRIAGE_CATEGORIES)[number];

export const MESSAGE_KINDS = ['dm', 'comment', 'mention'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Queue names are the brand's own (customer_care, community, legal, …); only their form is fixed. */
export type QueueName = string;

export interface TriageRule {
  id: string;
  /** Literal words or phrases, matched whole-word and case-insensitively; never regular expressions. */
  phrases: string[];
  /** Restricts the rule to some kinds of message; all kinds when absent. */
  kinds?: MessageKind[];
  priority?: Priority;
  category?: TriageCategory;
  queue?: QueueName;
  /** Only with category spam: close the conversation without replying. */
  closeWithoutReply?: boolean;
}

export interface TriageRules {
  version: number;
  rules: TriageRule[];
  /** Author ids, or handles (compared without a leading @, case-insensitively). */
  vipAuthors: string[];
  vipPriority: Priority;
  priorityByKind: Record<MessageKind, Priority>;
  /** A sentiment score at or below this counts as negative (AFINN scale: -5 per very bad word). */
  negativeSentimentScore: number;
  negativeSentimentPriority: Priority;
  queueByCategory: Record<TriageCategory, QueueName>;
}

export const DEFAULT_TRIAGE_RULES: TriageRules = {
  version: 1,
  rules: [],
  vipAuthors: [],
  vipPriority: 'high',
  // A private message is a customer waiting on us; a public comment or mention usually is not.
  priorityByKind: { dm: 'normal', comment: 'low', mention: 'low' },
  negativeSentimentScore: -3,
  negativeSentimentPriority: 'high',
  queueByCategory: {
    support: 'customer_care',
    sales: 'sales',
    complaint: 'customer_care',
    spam: 'community',
    crisis_sensitive: 'legal',
  },
};

export const MAX_TRIAGE_RULES = 200;
export const MAX_PHRASES_PER_RULE = 50;
export const MAX_PHRASE_LENGTH = 100;
export const MAX_VIP_AUTHORS = 5000;
export const MAX_AUTHOR_LENGTH = 200;

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const QUEUE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export interface TriageRulesProblem {
  path: string;
  message: string;
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function ruleProblems(rule: TriageRule, path: string): TriageRulesProblem[] {
  const problems: TriageRulesProblem[] = [];
  if (typeof rule?.id !== 'string' || !RULE_ID.test(rule.id)) {
    problems.push({
      path: `${path}.id`,
      message: 'must be 1 to 64 letters, digits, - or _, starting with a letter or digit',
    });
  }
  if (!Array.isArray(rule?.phrases) || rule.phrases.length === 0 || rule.phrases.length > MAX_PHRASES_PER_RULE) {
    problems.push({ path: `${path}.phrases`, message: `must list 1 to ${MAX_PHRASES_PER_RULE} phrases` });
  } else {
    rule.phrases.forEach((phrase, index) => {
      const problem =
        typeof phrase === 'string'
          ? textProblem(phrase, { maxGraphemes: MAX_PHRASE_LENGTH })
          : { message: 'must be text' };
      if (problem) problems.push({ path: `${path}.phrases[${index}]`, message: problem.message });
    });
  }
  if (
    rule?.kinds !== undefined &&
    (!Array.isArray(rule.kinds) || rule.kinds.length === 0 || !rule.kinds.every((kind) => isOneOf(MESSAGE_KINDS, kind)))
  ) {
    problems.push({ path: `${path}.kinds`, message: `must list at least one kind among ${MESSAGE_KINDS.join(', ')}` });
  }
  if (rule?.priority !== undefined && !isOneOf(PRIORITIES, rule.priority)) {
    problems.push({ path: `${path}.priority`, message: `must be one of ${PRIORITIES.join(', ')}` });
  }
  if (rule?.category !== undefined && !isOneOf(TRIAGE_CATEGORIES, rule.category)) {
    problems.push({ path: `${path}.category`, message: `must be one of ${TRIAGE_CATEGORIES.join(', ')}` });
  }
  if (rule?.queue !== undefined && (typeof rule.queue !== 'string' || !QUEUE_NAME.test(rule.queue))) {
    problems.push({
      path: `${path}.queue`,
      message: 'must be a queue name: lowercase letters, digits and _, up to 40',
    });
  }
  if (rule?.closeWithoutReply !== undefined && typeof rule.closeWithoutReply !== 'boolean') {
    problems.push({ path: `${path}.closeWithoutReply`, message: 'must be true or false' });
  } else if (rule?.closeWithoutReply && rule.category !== 'spam') {
    problems.push({ path: `${path}.closeWithoutReply`, message: 'is allowed only on a rule with category spam' });
  }
  if (rule && [rule.priority, rule.category, rule.queue].every((decision) => decision === undefined)) {
    problems.push({ path, message: 'decides nothing: give it a priority, a category or a queue' });
  }
  return problems;
}

/** Everything wrong with a brand's triage rules, each with the path of the offending value. */
export function validateTriageRules({ rules }: { rules: TriageRules }): TriageRulesProblem[] {
  const problems: TriageRulesProblem[] = [];
  if (!Number.isSafeInteger(rules.version) || rules.version < 1) {
    problems.push({ path: 'version', message: 'must be a whole number of at least 1' });
  }
  if (!Array.isArray(rules.rules) || rules.rules.length > MAX_TRIAGE_RULES) {
    problems.push({ path: 'rules', message: `must be a list of at most ${MAX_TRIAGE_RULES} rules` });
  } else {
    const ids = new Map<string, number>();
    rules.rules.forEach((rule, index) => {
      problems.push(...ruleProblems(rule, `rules[${index}]`));
      const earlier = ids.get(rule?.id);
      if (earlier !== undefined) {
        problems.push({ path: `rules[${index}].id`, message: `"${rule.id}" is already used by rules[${earlier}]` });
      } else if (typeof rule?.id === 'string') {
        ids.set(rule.id, index);
      }
    });
  }
  if (!Array.isArray(rules.vipAuthors) || rules.vipAuthors.length > MAX_VIP_AUTHORS) {
    problems.push({ path: 'vipAuthors', message: `must be a list of at most ${MAX_VIP_AUTHORS} authors` });
  } else {
    rules.vipAuthors.forEach((author, index) => {
      if (typeof author !== 'string' || author.trim() === '' || graphemeLength(author) > MAX_AUTHOR_LENGTH) {
        problems.push({
          path: `vipAuthors[${index}]`,
          message: `must be an author id or handle of 1 to ${MAX_AUTHOR_LENGTH} characters`,
        });
      }
    });
  }
  for (const [path, value] of [
    ['vipPriority', rules.vipPriority],
    ['negativeSentimentPriority', rules.negativeSentimentPriority],
    ...MESSAGE_KINDS.map((kind) => [`priorityByKind.${kind}`, rules.priorityByKind?.[kind]]),
  ] as const) {
    if (!isOneOf(PRIORITIES, value)) problems.push({ path, message: `must be one of ${PRIORITIES.join(', ')}` });
  }
  if (typeof rules.negativeSentimentScore !== 'number' || !Number.isFinite(rules.negativeSentimentScore)) {
    problems.push({ path: 'negativeSentimentScore', message: 'must be a number (for example -3)' });
  }
  for (const category of TRIAGE_CATEGORIES) {
    const queue = rules.queueByCategory?.[category];
    if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
      problems.push({
        path: `queueByCategory.${category}`,
        message: 'must be a queue name: lowercase letters, digits and _, up to 40',
      });
    }
  }
  return problems;
}
