import fc from 'fast-check';
import {
  DEFAULT_TRIAGE_RULES,
  MAX_TRIAGE_RULES,
  triageMessage,
  TriageRulesError,
  validateTriageRules,
  type InboundMessage,
  type TriageRule,
  type TriageRules,
} from '../../domain/triage';
import { sentimentScore } from '../../domain/triage/sentimentScore';

function brandRules(rules: TriageRule[], overrides: Partial<TriageRules> = {}): TriageRules {
  return { ...DEFAULT_TRIAGE_RULES, rules, ...overrides };
}

const acme = brandRules(
  [
    { id: 'refunds', phrases: ['refund', 'money back'], category: 'support', queue: 'billing', priority: 'normal' },
    { id: 'pricing', phrases: ['price', 'discount code'], category: 'sales' },
    { id: 'outage', phrases: ['down', 'not working'], priority: 'urgent' },
    {
      id: 'safety',
      phrases: ['food poisoning', 'allergic reaction'],
      category: 'crisis_sensitive',
      priority: 'urgent',
    },
    { id: 'crypto-spam', phrases: ['crypto giveaway', 'dm me for'], category: 'spam', closeWithoutReply: true },
    { id: 'press', phrases: ['journalist'], kinds: ['dm'], queue: 'communications', priority: 'high' },
  ],
  { vipAuthors: ['user-42', '@FamousChef'] },
);

function message(text: string, overrides: Partial<InboundMessage> = {}): InboundMessage {
  return { text, kind: 'comment', authorId: 'user-1', ...overrides };
}

const neutral = { score: 0, comparative: 0 };

describe('triageMessage', () => {
  it('falls back to the kind, support and the category queue when nothing matches', () => {
    const result = triageMessage({ rules: acme, message: message('Lovely photo'), sentiment: neutral });
    expect(result).toEqual({
      priority: 'low',
      category: 'support',
      queue: 'customer_care',
      closeWithoutReply: false,
      matchedRules: [],
      decidedBy: {
        priority: { source: 'kind', kind: 'comment' },
        category: { source: 'default' },
        queue: { source: 'category', category: 'support' },
        closeWithoutReply: null,
      },
      sentiment: neutral,
      rulesVersion: 1,
    });
  });

  it('ranks a direct message above a comment or a mention', () => {
    const priorityOf = (kind: InboundMessage['kind']) =>
      triageMessage({ rules: acme, message: message('hello', { kind }), sentiment: null }).priority;
    expect([priorityOf('dm'), priorityOf('comment'), priorityOf('mention')]).toEqual(['normal', 'low', 'low']);
  });

  it('records every matching rule and takes category and queue from the first that sets them', () => {
    const result = triageMessage({
      rules: acme,
      message: message('What is the PRICE of a refund?'),
      sentiment: neutral,
    });
    expect(result.matchedRules).toEqual([
      { ruleId: 'refunds', phrase: 'refund' },
      { ruleId: 'pricing', phrase: 'price' },
    ]);
    expect(result.category).toBe('support');
    expect(result.queue).toBe('billing');
    expect(result.decidedBy.category).toEqual({ source: 'rule', ruleId: 'refunds', phrase: 'refund' });
  });

  it('takes the highest priority of all matching rules, whatever their order', () => {
    const result = triageMessage({
      rules: acme,
      message: message('Checkout is down, I want my money back'),
      sentiment: neutral,
    });
    expect(result.priority).toBe('urgent');
    expect(result.decidedBy.priority).toEqual({ source: 'rule', ruleId: 'outage', phrase: 'down' });
    expect(result.queue).toBe('billing');
  });

  it('lets a crisis-sensitive rule decide the category even after an earlier match', () => {
    const result = triageMessage({
      rules: acme,
      message: message('I want a refund, my son had an allergic reaction'),
      sentiment: neutral,
    });
    expect(result.category).toBe('crisis_sensitive');
    expect(result.priority).toBe('urgent');
    expect(result.queue).toBe('billing');
    expect(result.decidedBy.category).toEqual({ source: 'rule', ruleId: 'safety', phrase: 'allergic reaction' });
  });

  it('matches whole words only, across case, spacing and scripts', () => {
    const rules = brandRules([
      { id: 'refund', phrases: ['refund'], priority: 'high' },
      { id: 'german', phrases: ['Rückerstattung'], priority: 'high' },
      { id: 'japanese', phrases: ['返金'], priority: 'high' },
      { id: 'phrase', phrases: ['money back'], priority: 'high' },
    ]);
    const matched = (text: string) =>
      triageMessage({ rules, message: message(text), sentiment: null }).matchedRules.map((match) => match.ruleId);
    expect(matched('REFUND now')).toEqual(['refund']);
    expect(matched('I was refunded')).toEqual([]);
    expect(matched('prerefund')).toEqual([]);
    expect(matched('refund_policy')).toEqual([]);
    expect(matched('(refund)')).toEqual(['refund']);
    expect(matched('RÜCKERSTATTUNG bitte')).toEqual(['german']);
    expect(matched('Rückerstattungsantrag')).toEqual([]);
    expect(matched('返金')).toEqual(['japanese']);
    expect(matched('Money\n  BACK please')).toEqual(['phrase']);
    expect(matched('ｒｅｆｕｎｄ')).toEqual(['refund']);
  });

  it('treats a phrase full of pattern characters as literal text', () => {
    const rules = brandRules([{ id: 'literal', phrases: ['(a+)+$', 'c++', 'a.b'], priority: 'high' }]);
    const matched = (text: string) => triageMessage({ rules, message: message(text), sentiment: null }).matchedRules;
    expect(matched('I love c++ and more')).toEqual([{ ruleId: 'literal', phrase: 'c++' }]);
    expect(matched('axb')).toEqual([]);
    expect(matched(`${'a'.repeat(5000)}!`)).toEqual([]);
    expect(matched('see (a+)+$ here')).toEqual([{ ruleId: 'literal', phrase: '(a+)+$' }]);
  });

  it('applies a rule only to the kinds of message it names', () => {
    const asComment = triageMessage({ rules: acme, message: message('I am a journalist'), sentiment: null });
    const asDm = triageMessage({ rules: acme, message: message('I am a journalist', { kind: 'dm' }), sentiment: null });
    expect(asComment.matchedRules).toEqual([]);
    expect(asDm).toMatchObject({ queue: 'communications', priority: 'high' });
  });

  it('raises a VIP author to high priority by id or by handle, but never lowers an urgent rule', () => {
    const byId = triageMessage({ rules: acme, message: message('hi', { authorId: 'user-42' }), sentiment: null });
    expect(byId.priority).toBe('high');
    expect(byId.decidedBy.priority).toEqual({ source: 'vip', author: 'user-42' });
    const byHandle = triageMessage({
      rules: acme,
      message: message('hi', { authorHandle: 'famouschef' }),
      sentiment: null,
    });
    expect(byHandle.priority).toBe('high');
    const urgent = triageMessage({
      rules: acme,
      message: message('the app is down', { authorId: 'user-42' }),
      sentiment: null,
    });
    expect(urgent.priority).toBe('urgent');
  });

  it('marks spam to close without reply, except from a VIP', () => {
    const spam = triageMessage({ rules: acme, message: message('Huge CRYPTO giveaway!!'), sentiment: neutral });
    expect(spam).toMatchObject({ category: 'spam', queue: 'community', closeWithoutReply: true });
    expect(spam.decidedBy.closeWithoutReply).toEqual({
      source: 'rule',
      ruleId: 'crypto-spam',
      phrase: 'crypto giveaway',
    });
    const fromVip = triageMessage({
      rules: acme,
      message: message('Huge crypto giveaway', { authorId: 'user-42' }),
      sentiment: neutral,
    });
    expect(fromVip).toMatchObject({ category: 'spam', closeWithoutReply: false });
    expect(fromVip.decidedBy.closeWithoutReply).toBeNull();
  });

  it('turns clearly negative sentiment into a high-priority complaint when no rule decides', () => {
    const angry = triageMessage({
      rules: acme,
      message: message('worst service ever'),
      sentiment: { score: -6, comparative: -2 },
    });
    expect(angry).toMatchObject({ priority: 'high', category: 'complaint', queue: 'customer_care' });
    expect(angry.decidedBy.priority).toEqual({ source: 'sentiment', score: -6 });
    const mild = triageMessage({ rules: acme, message: message('meh'), sentiment: { score: -2, comparative: -2 } });
    expect(mild).toMatchObject({ priority: 'low', category: 'support' });
    const pricingRant = triageMessage({
      rules: acme,
      message: message('your price is a scam'),
      sentiment: { score: -3, comparative: -0.6 },
    });
    expect(pricingRant.category).toBe('sales');
    expect(pricingRant.priority).toBe('high');
  });

  it('refuses to triage with invalid rules', () => {
    expect(() =>
      triageMessage({ rules: brandRules([{ id: 'x', phrases: [] }]), message: message('x'), sentiment: null }),
    ).toThrow(TriageRulesError);
  });

  it('never throws and always answers a known priority for any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = triageMessage({ rules: acme, message: message(text), sentiment: null });
        expect(['urgent', 'high', 'normal', 'low']).toContain(result.priority);
      }),
      { numRuns: 200 },
    );
  });
});

describe('validateTriageRules', () => {
  it('accepts the defaults and a typical brand', () => {
    expect(validateTriageRules({ rules: DEFAULT_TRIAGE_RULES })).toEqual([]);
    expect(validateTriageRules({ rules: acme })).toEqual([]);
  });

  it('names each problem with its path', () => {
    const rules = brandRules(
      [
        { id: 'ok', phrases: ['fine'], priority: 'high' },
        { id: 'ok', phrases: ['again'], priority: 'high' },
        { id: ' bad id', phrases: ['', 'x'.repeat(101), 'line\nbreak'], priority: 'critical' as never },
        { id: 'nothing', phrases: ['hello'] },
        { id: 'close', phrases: ['buy'], category: 'sales', closeWithoutReply: true, queue: 'Sales Team' },
        { id: 'kinds', phrases: ['x'], kinds: ['email' as never], category: 'gossip' as never },
      ],
      { vipAuthors: [''], priorityByKind: { dm: 'normal', comment: 'low', mention: 'soon' as never } },
    );
    expect(validateTriageRules({ rules })).toEqual([
      { path: 'rules[1].id', message: '"ok" is already used by rules[0]' },
      { path: 'rules[2].id', message: expect.stringContaining('letters, digits') },
      { path: 'rules[2].phrases[0]', message: 'must contain visible text' },
      { path: 'rules[2].phrases[1]', message: 'must be at most 100 characters' },
      { path: 'rules[2].phrases[2]', message: expect.stringContaining('control character U+000A') },
      { path: 'rules[2].priority', message: 'must be one of urgent, high, normal, low' },
      { path: 'rules[3]', message: 'decides nothing: give it a priority, a category or a queue' },
      { path: 'rules[4].queue', message: expect.stringContaining('queue name') },
      { path: 'rules[4].closeWithoutReply', message: 'is allowed only on a rule with category spam' },
      { path: 'rules[5].kinds', message: 'must list at least one kind among dm, comment, mention' },
      { path: 'rules[5].category', message: expect.stringContaining('must be one of support') },
      { path: 'vipAuthors[0]', message: expect.stringContaining('author id or handle') },
      { path: 'priorityByKind.mention', message: 'must be one of urgent, high, normal, low' },
    ]);
  });

  it('refuses a rule limited to no kind of message at all', () => {
    expect(
      validateTriageRules({ rules: brandRules([{ id: 'never', phrases: ['x'], kinds: [], priority: 'high' }]) }),
    ).toEqual([{ path: 'rules[0].kinds', message: 'must list at least one kind among dm, comment, mention' }]);
  });

  it('limits the number of rules', () => {
    const many = Array.from({ length: MAX_TRIAGE_RULES + 1 }, (_, index) => ({
      id: `r${index}`,
      phrases: ['x'],
      priority: 'low' as const,
    }));
    expect(validateTriageRules({ rules: brandRules(many) })).toEqual([
      { path: 'rules', message: `must be a list of at most ${MAX_TRIAGE_RULES} rules` },
    ]);
  });
});

describe('sentimentScore', () => {
  it('scores English text with the AFINN word list', () => {
    const angry = sentimentScore({ text: 'This is terrible, I hate it!' });
    expect(angry).toEqual({ score: expect.any(Number), comparative: expect.any(Number), language: 'en' });
    expect(angry!.score).toBeLessThanOrEqual(-3);
    expect(
      sentimentScore({ text: 'Thank you, this is great and I love it', language: 'en-GB' })!.score,
    ).toBeGreaterThan(0);
    expect(sentimentScore({ text: 'The parcel arrived on Tuesday' })!.score).toBe(0);
  });

  it('gives no score for a language it has no word list for', () => {
    expect(sentimentScore({ text: 'Das ist schrecklich', language: 'de' })).toBeNull();
  });
});
