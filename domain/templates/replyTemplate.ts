/**
 * Reply templates: canned answers with a few variables, rendered with mustache. Replies are plain
 * text sent to a platform, so nothing is HTML-escaped ("Ben & Jerry's" stays as written). Only
 * plain variables are allowed: sections, partials and delimiter changes would let a template
 * hide text behind data or pull in other templates, which a reviewer of canned replies should
 * never have to reason about.
 */
import Mustache from 'mustache';
import { TEXT } from '../limits';
import { textProblem } from '../text';

export const TEMPLATE_VARIABLES = ['customer.name', 'agent.name', 'brand.name'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

export interface ReplyTemplateValues {
  customer?: { name?: string };
  agent?: { name?: string };
  brand?: { name?: string };
}

export type ReplyTemplateProblemCode =
  | 'invalid_text'
  | 'parse_error'
  | 'unsupported_tag'
  | 'unknown_variable'
  | 'missing_value'
  | 'invalid_value'
  | 'invalid_reply';

export interface ReplyTemplateProblem {
  code: ReplyTemplateProblemCode;
  message: string;
}

export class ReplyTemplateError extends Error {
  override readonly name = 'ReplyTemplateError';
  constructor(readonly problems: ReplyTemplateProblem[]) {
    super(problems.map((problem) => problem.message).join('; '));
  }
}

const UNSUPPORTED: Record<string, string> = {
  '#': 'sections ({{#…}})',
  '^': 'inverted sections ({{^…}})',
  '/': 'section ends ({{/…}})',
  '>': 'partials ({{>…}})',
  '=': 'delimiter changes ({{=…=}})',
};

type Token = [type: string, value: string, start: number, end: number, ...rest: unknown[]];

function parse(template: string): { tokens: Token[] } | { problem: ReplyTemplateProblem } {
  try {
    return { tokens: Mustache.parse(template) as unknown as Token[] };
  } catch (error) {
    return {
      problem: { code: 'parse_error', message: `the template does not parse: ${(error as Error).message}` },
    };
  }
}

function isTemplateVariable(name: string): name is TemplateVariable {
  return (TEMPLATE_VARIABLES as readonly string[]).includes(name);
}

/** The variables a template uses, in order of first use; with problems when it is not acceptable. */
export function inspectReplyTemplate({ template }: { template: string }): {
  variables: TemplateVariable[];
  problems: ReplyTemplateProblem[];
} {
  const textIssue = textProblem(template, TEXT.replyTemplate);
  if (textIssue)
    return { variables: [], problems: [{ code: 'invalid_text', message: `the template ${textIssue.message}` }] };
  const parsed = parse(template);
  if ('problem' in parsed) return { variables: [], problems: [parsed.problem] };
  const variables: TemplateVariable[] = [];
  const problems: ReplyTemplateProblem[] = [];
  for (const [type, value, start] of parsed.tokens) {
    const unsupported = UNSUPPORTED[type];
    if (unsupported) {
      problems.push({ code: 'unsupported_tag', message: `${unsupported} are not supported (at position ${start})` });
    } else if (type === 'name' || type === '&') {
      if (!isTemplateVariable(value)) {
        problems.push({
          code: 'unknown_variable',
          message: `unknown variable {{${value}}} at position ${start}; known: ${TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(', ')}`,
        });
      } else if (!variables.includes(value)) {
        variables.push(value);
      }
    }
  }
  return { variables, problems };
}

export function validateReplyTemplate({ template }: { template: string }): ReplyTemplateProblem[] {
  return inspectReplyTemplate({ template }).problems;
}

function valueOf({ values, variable }: { values: ReplyTemplateValues; variable: TemplateVariable }): unknown {
  const [scope, field] = variable.split('.') as [keyof ReplyTemplateValues, 'name'];
  return values[scope]?.[field];
}

/** The reply text, or a ReplyTemplateError listing every reason it cannot be produced. */
export function renderReplyTemplate({ template, values }: { template: string; values: ReplyTemplateValues }): string {
  const { variables, problems } = inspectReplyTemplate({ template });
  if (problems.length > 0) throw new ReplyTemplateError(problems);
  for (const variable of variables) {
    const value = valueOf({ values, variable });
    if (value === undefined || value === null) {
      problems.push({ code: 'missing_value', message: `no value for {{${variable}}}` });
      continue;
    }
    const issue = typeof value === 'string' ? textProblem(value, TEXT.templateValue) : { message: 'must be text' };
    if (issue) problems.push({ code: 'invalid_value', message: `the value for {{${variable}}} ${issue.message}` });
  }
  if (problems.length > 0) throw new ReplyTemplateError(problems);
  const reply = Mustache.render(template, values, {}, { escape: (value: string) => value });
  const replyIssue = textProblem(reply, TEXT.replyText);
  if (replyIssue) throw new ReplyTemplateError([{ code: 'invalid_reply', message: `the reply ${replyIssue.message}` }]);
  return reply;
}
