/**
 * A brand's conversation settings (business hours, SLA policy, triage rules) and its reply
 * templates over HTTP; the settings and template services do the work.
 */
import type { ZodObject, ZodType } from 'zod';
import { mountOperation, type OperationTarget } from '../operations';
import {
  BrandIdParams,
  BusinessHoursBody,
  BusinessHoursResponse,
  CreateTemplateBody,
  ListTemplatesQuery,
  SlaPolicyBody,
  SlaPolicyResponse,
  TemplateIdParams,
  TemplateListResponse,
  TemplateResponse,
  TriageRulesBody,
  TriageRulesResponse,
  UpdateTemplateBody,
} from '../schemas';
import type { ApiServices } from '../services';
import type { AuthenticatedUser } from '../services/caller';

const VERSIONING =
  'Each PUT stores a new version (the previous + 1, assigned by the server) and never changes an earlier one: ' +
  'clocks and triage decisions record the version they used. A brand that configured nothing reads the ' +
  'defaults (`source: "default"`, version 1). Conversations use a new version from their next message on; ' +
  'clocks already running finish on the version they started with.';

export function mountThreadSettingsRoutes(
  target: OperationTarget,
  { threadSettings, templates }: Pick<ApiServices, 'threadSettings' | 'templates'>,
): void {
  function mountSettings<B extends ZodObject>(part: {
    path: string;
    name: string;
    what: string;
    description: string;
    body: B;
    response: ZodType;
    read: (input: { user: AuthenticatedUser; brandId: string }) => Promise<unknown>;
    write: (input: { user: AuthenticatedUser; brandId: string }, body: B['_output']) => Promise<unknown>;
  }): void {
    mountOperation(target, {
      method: 'get',
      path: `/v1/brands/:id/${part.path}`,
      operationId: `get${part.name}`,
      tag: 'conversation settings',
      summary: `The brand's current ${part.what}`,
      description: VERSIONING,
      access: 'readThreadSettings',
      params: BrandIdParams,
      errors: [404],
      success: { status: 200, description: `The current ${part.what}`, schema: part.response },
      handle: ({ params, user }) => part.read({ user, brandId: params.id }),
    });
    mountOperation(target, {
      method: 'put',
      path: `/v1/brands/:id/${part.path}`,
      operationId: `set${part.name}`,
      tag: 'conversation settings',
      summary: `Set the brand's ${part.what} (a new version)`,
      description: `${part.description}\n\n${VERSIONING} A value that does not pass validation is refused with 400 naming its path.`,
      access: 'configureThreads',
      params: BrandIdParams,
      body: part.body,
      errors: [404],
      success: { status: 200, description: `The ${part.what} as stored, with its version`, schema: part.response },
      handle: ({ params, user, body }) => part.write({ user, brandId: params.id }, body),
    });
  }

  mountSettings({
    path: 'business-hours',
    name: 'BusinessHours',
    what: 'business hours',
    description:
      'Opening ranges per weekday in the IANA zone, and holidays (whole days, or `closedRanges` only). ' +
      '`holidaysIcal` imports the all-day events of an iCalendar feed as holidays.',
    body: BusinessHoursBody,
    response: BusinessHoursResponse,
    read: (input) => threadSettings.businessHours(input),
    write: (input, hours) => threadSettings.setBusinessHours({ ...input, hours }),
  });
  mountSettings({
    path: 'sla-policy',
    name: 'SlaPolicy',
    what: 'SLA policy',
    description:
      'Targets in minutes per clock and priority, time basis, warning point, escalation ladder, reopen window ' +
      'and inactivity limit. The body gives what differs from the defaults; the answer is the whole policy.',
    body: SlaPolicyBody,
    response: SlaPolicyResponse,
    read: (input) => threadSettings.slaPolicy(input),
    write: (input, overrides) => threadSettings.setSlaPolicy({ ...input, overrides }),
  });
  mountSettings({
    path: 'triage-rules',
    name: 'TriageRules',
    what: 'triage rules',
    description:
      'Phrase rules in the order they apply, VIP authors, the priority per message kind, the sentiment ' +
      'threshold and the queue per category. What the body leaves out takes the default.',
    body: TriageRulesBody,
    response: TriageRulesResponse,
    read: (input) => threadSettings.triageRules(input),
    write: (input, rules) => threadSettings.setTriageRules({ ...input, rules }),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/templates',
    operationId: 'listReplyTemplates',
    tag: 'reply templates',
    summary: "The brand's reply templates, by name",
    access: 'readThreadSettings',
    query: ListTemplatesQuery,
    errors: [404],
    success: { status: 200, description: 'The templates not deleted', schema: TemplateListResponse },
    handle: ({ query, user }) => templates.list({ user, brandId: query.brandId }),
  });
  mountOperation(target, {
    method: 'post',
    path: '/v1/templates',
    operationId: 'createReplyTemplate',
    tag: 'reply templates',
    summary: 'Create a reply template',
    description:
      'The body must parse as a template using only the known variables (400 otherwise). 409 when the name is taken.',
    access: 'configureThreads',
    body: CreateTemplateBody,
    errors: [404, 409],
    success: { status: 201, description: 'The template', schema: TemplateResponse },
    handle: ({ body, user }) => templates.create({ user, ...body }),
  });
  mountOperation(target, {
    method: 'get',
    path: '/v1/templates/:id',
    operationId: 'getReplyTemplate',
    tag: 'reply templates',
    summary: 'A reply template',
    access: 'readThreadSettings',
    params: TemplateIdParams,
    errors: [404],
    success: { status: 200, description: 'The template', schema: TemplateResponse },
    handle: ({ params, user }) => templates.read({ user, id: params.id }),
  });
  mountOperation(target, {
    method: 'put',
    path: '/v1/templates/:id',
    operationId: 'updateReplyTemplate',
    tag: 'reply templates',
    summary: "Replace a reply template's name and body",
    access: 'configureThreads',
    params: TemplateIdParams,
    body: UpdateTemplateBody,
    errors: [404, 409],
    success: { status: 200, description: 'The template', schema: TemplateResponse },
    handle: ({ params, body, user }) => templates.update({ user, id: params.id, ...body }),
  });
  mountOperation(target, {
    method: 'delete',
    path: '/v1/templates/:id',
    operationId: 'deleteReplyTemplate',
    tag: 'reply templates',
    summary: 'Delete a reply template',
    description: 'It can no longer be read or used; replies sent with it keep its id in their record.',
    access: 'configureThreads',
    params: TemplateIdParams,
    errors: [404],
    success: { status: 204, description: 'Deleted' },
    handle: ({ params, user }) => templates.remove({ user, id: params.id }),
  });
}
