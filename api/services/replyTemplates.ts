/**
 * A brand's reply templates, and replies rendered from them: the template's mustache text filled
 * with what the caller gives and, for the rest, what the conversation knows (customer, agent,
 * brand).
 */
import type { BrandStore } from '../../db/brands';
import { TemplateNameTakenError, type ReplyTemplate, type ReplyTemplateStore } from '../../db/replyTemplates';
import {
  inspectReplyTemplate,
  renderReplyTemplate,
  ReplyTemplateError,
  type TemplateVariable,
} from '../../domain/templates';
import type { ThreadState } from '../../domain/threadState';
import { coversBrand, type AuthenticatedUser } from './caller';
import { conflict, invalidField, invalidInput, notFound } from './errors';

export interface ReplyTemplateServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  templates: Pick<ReplyTemplateStore, 'create' | 'findById' | 'listByBrand' | 'update' | 'softDelete'>;
}

export type TemplateVariableValues = Partial<Record<TemplateVariable, string>>;

function withVariables(template: ReplyTemplate) {
  return { ...template, variables: inspectReplyTemplate({ template: template.body }).variables };
}

async function nameMustBeFree<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof TemplateNameTakenError) throw conflict(error.message);
    throw error;
  }
}

export function createReplyTemplateService({ brands, templates }: ReplyTemplateServiceDeps) {
  async function visibleBrand(user: AuthenticatedUser, brandId: string) {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand;
  }

  async function visibleTemplate(user: AuthenticatedUser, id: string): Promise<ReplyTemplate> {
    const template = await templates.findById(id);
    if (!template || !coversBrand(user, template.brandId)) throw notFound('No such template');
    return template;
  }

  return {
    async list({ user, brandId }: { user: AuthenticatedUser; brandId: string }) {
      const brand = await visibleBrand(user, brandId);
      return { items: (await templates.listByBrand({ brandId: brand.id })).map(withVariables) };
    },

    async create({
      user,
      brandId,
      name,
      body,
    }: {
      user: AuthenticatedUser;
      brandId: string;
      name: string;
      body: string;
    }) {
      const brand = await visibleBrand(user, brandId);
      const created = await nameMustBeFree(() =>
        templates.create({ brandId: brand.id, name, body, createdBy: user.id }),
      );
      return withVariables(created);
    },

    read: async ({ user, id }: { user: AuthenticatedUser; id: string }) =>
      withVariables(await visibleTemplate(user, id)),

    async update({ user, id, name, body }: { user: AuthenticatedUser; id: string; name: string; body: string }) {
      await visibleTemplate(user, id);
      const updated = await nameMustBeFree(() => templates.update({ id, name, body, updatedBy: user.id }));
      if (!updated) throw notFound('No such template');
      return withVariables(updated);
    },

    async remove({ user, id }: { user: AuthenticatedUser; id: string }): Promise<void> {
      await visibleTemplate(user, id);
      if (!(await templates.softDelete({ id, deletedBy: user.id }))) throw notFound('No such template');
    },

    /**
     * The reply text from one of the thread's brand's templates. The caller's values win; the
     * customer is the author of the latest inbound message (their name, else their handle).
     */
    async renderForThread({
      user,
      thread,
      templateId,
      variables = {},
    }: {
      user: AuthenticatedUser;
      thread: { brandId: string; state: Pick<ThreadState, 'messages'> };
      templateId: string;
      variables?: TemplateVariableValues;
    }): Promise<string> {
      const template = await templates.findById(templateId);
      if (!template || template.brandId !== thread.brandId) {
        throw invalidField(['templateId'], "no such template among the conversation's brand's templates");
      }
      const brand = await brands.findById(thread.brandId);
      const customer = [...(thread.state.messages ?? [])].reverse().find((message) => message.direction === 'inbound');
      const customerName = customer ? (customer.author.name ?? customer.author.handle) : undefined;
      const pick = (name: TemplateVariable, fallback: string | undefined) => variables[name] ?? fallback;
      try {
        return renderReplyTemplate({
          template: template.body,
          values: {
            customer: { name: pick('customer.name', customerName) },
            agent: { name: pick('agent.name', user.name) },
            brand: { name: pick('brand.name', brand?.name) },
          },
        });
      } catch (error) {
        if (!(error instanceof ReplyTemplateError)) throw error;
        throw invalidInput(`The template cannot be rendered: ${error.message}`, {
          issues: error.problems.map((problem) => ({
            code: 'custom',
            path: problem.code === 'missing_value' || problem.code === 'invalid_value' ? ['variables'] : ['templateId'],
            message: problem.message,
            params: { reason: problem.code },
          })),
        });
      }
    },
  };
}

export type ReplyTemplateService = ReturnType<typeof createReplyTemplateService>;
