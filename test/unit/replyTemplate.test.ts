import {
  inspectReplyTemplate,
  renderReplyTemplate,
  ReplyTemplateError,
  validateReplyTemplate,
  type ReplyTemplateValues,
} from '../../domain/templates';

const values: ReplyTemplateValues = {
  customer: { name: 'Ana' },
  agent: { name: 'Sam' },
  brand: { name: 'Ben & Jerry’s <Café>' },
};

function problemsOf(render: () => unknown) {
  try {
    render();
  } catch (error) {
    expect(error).toBeInstanceOf(ReplyTemplateError);
    return (error as ReplyTemplateError).problems;
  }
  throw new Error('expected a ReplyTemplateError');
}

describe('renderReplyTemplate', () => {
  it('fills in customer, agent and brand names without HTML escaping', () => {
    expect(
      renderReplyTemplate({
        template:
          'Hi {{customer.name}},\nthanks for writing to {{ brand.name }}. {{{agent.name}}} here. {{! internal }}',
        values,
      }),
    ).toBe('Hi Ana,\nthanks for writing to Ben & Jerry’s <Café>. Sam here. ');
  });

  it('leaves mustache syntax inside a value alone', () => {
    expect(
      renderReplyTemplate({ template: 'Hi {{customer.name}}', values: { customer: { name: '{{agent.name}}' } } }),
    ).toBe('Hi {{agent.name}}');
  });

  it('refuses unknown variables, naming them and the known ones', () => {
    const problems = problemsOf(() => renderReplyTemplate({ template: 'Hi {{customer.email}} and {{name}}', values }));
    expect(problems).toEqual([
      {
        code: 'unknown_variable',
        message:
          'unknown variable {{customer.email}} at position 3; known: {{customer.name}}, {{agent.name}}, {{brand.name}}',
      },
      { code: 'unknown_variable', message: expect.stringContaining('unknown variable {{name}} at position 26') },
    ]);
  });

  it('refuses missing, blank and multi-line values', () => {
    const problems = problemsOf(() =>
      renderReplyTemplate({
        template: '{{customer.name}} / {{agent.name}} / {{brand.name}}',
        values: { customer: {}, agent: { name: '  ' }, brand: { name: 'A\nB' } },
      }),
    );
    expect(problems).toEqual([
      { code: 'missing_value', message: 'no value for {{customer.name}}' },
      { code: 'invalid_value', message: 'the value for {{agent.name}} must contain visible text' },
      { code: 'invalid_value', message: expect.stringContaining('the value for {{brand.name}} contains the control') },
    ]);
  });

  it('refuses a reply that would say nothing', () => {
    expect(problemsOf(() => renderReplyTemplate({ template: '{{! only a comment }}', values }))).toEqual([
      { code: 'invalid_reply', message: 'the reply must contain visible text' },
    ]);
  });

  it('throws an error whose message lists the reasons', () => {
    expect(() => renderReplyTemplate({ template: 'Hi {{customer.name', values })).toThrow(
      'the template does not parse: Unclosed tag at 18',
    );
  });
});

describe('validateReplyTemplate', () => {
  it('accepts a template with known variables and reports which it uses', () => {
    expect(inspectReplyTemplate({ template: 'Hi {{customer.name}}, {{agent.name}} / {{customer.name}}' })).toEqual({
      variables: ['customer.name', 'agent.name'],
      problems: [],
    });
  });

  it('explains parse errors', () => {
    expect(validateReplyTemplate({ template: 'Hi {{#customer.name}} there' })).toEqual([
      { code: 'parse_error', message: 'the template does not parse: Unclosed section "customer.name" at 27' },
    ]);
  });

  it('refuses sections, partials and delimiter changes', () => {
    expect(
      validateReplyTemplate({ template: '{{#brand}}x{{/brand}} {{^agent}}y{{/agent}} {{>footer}} {{=<% %>=}}' }).map(
        (problem) => [problem.code, problem.message],
      ),
    ).toEqual([
      ['unsupported_tag', 'sections ({{#…}}) are not supported (at position 0)'],
      ['unsupported_tag', 'inverted sections ({{^…}}) are not supported (at position 22)'],
      ['unsupported_tag', 'partials ({{>…}}) are not supported (at position 44)'],
      ['unsupported_tag', 'delimiter changes ({{=…=}}) are not supported (at position 56)'],
    ]);
  });

  it('applies the text policy to the template itself', () => {
    expect(validateReplyTemplate({ template: 'Hi\u0000' })).toEqual([
      { code: 'invalid_text', message: 'the template contains the control character U+0000 at position 2' },
    ]);
    expect(validateReplyTemplate({ template: 'x'.repeat(10_001) })[0].code).toBe('invalid_text');
  });
});
