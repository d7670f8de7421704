import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { iso, type Executor } from './rows';

export interface ReplyTemplate {
  id: string;
  brandId: string;
  name: string;
  body: string;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

interface TemplateRow {
  id: string;
  brand_id: string;
  name: string;
  body: string;
  created_by: string;
  created_at: Date;
  updated_by: string;
  updated_at: Date;
  deleted_at: Date | null;
}

function toTemplate(row: TemplateRow): ReplyTemplate {
  return {
    id: row.id,
    brandId: row.brand_id,
    name: row.name,
    body: row.body,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: iso(row.updated_at),
  };
}

/** Another live template of the brand already has the name (names are compared case-insensitively). */
export class TemplateNameTakenError extends Error {
  override readonly name = 'TemplateNameTakenError';
}

const UNIQUE_VIOLATION = '23505';

async function nameTaken<T>(write: () => Promise<T>, name: string): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new TemplateNameTakenError(`the brand already has a template named "${name}"`);
    }
    throw error;
  }
}

/** A brand's reply templates; deleting one only marks it, so replies that used it can still name it. */
export function createReplyTemplateStore(db: Knex) {
  const live = (trx: Executor) => trx<TemplateRow>('reply_templates').whereNull('deleted_at');

  return {
    async create(
      input: { brandId: string; name: string; body: string; createdBy: string },
      trx: Executor = db,
    ): Promise<ReplyTemplate> {
      const [row] = await nameTaken(
        () =>
          trx<TemplateRow>('reply_templates')
            .insert({
              id: `tpl-${randomUUID()}`,
              brand_id: input.brandId,
              name: input.name,
              body: input.body,
              created_by: input.createdBy,
              updated_by: input.createdBy,
            })
            .returning('*'),
        input.name,
      );
      return toTemplate(row);
    },

    /** A live template; a deleted one is not found. */
    async findById(id: string, trx: Executor = db): Promise<ReplyTemplate | undefined> {
      const row = await live(trx).where({ id }).first();
      return row ? toTemplate(row) : undefined;
    },

    async listByBrand(input: { brandId: string }, trx: Executor = db): Promise<ReplyTemplate[]> {
      const rows = await live(trx).where({ brand_id: input.brandId }).orderByRaw('lower(name), id');
      return rows.map(toTemplate);
    },

    async update(
      input: { id: string; name: string; body: string; updatedBy: string },
      trx: Executor = db,
    ): Promise<ReplyTemplate | undefined> {
      const [row] = await nameTaken(
        () =>
          live(trx)
            .where({ id: input.id })
            .update({ name: input.name, body: input.body, updated_by: input.updatedBy, updated_at: trx.fn.now() })
            .returning('*'),
        input.name,
      );
      return row ? toTemplate(row) : undefined;
    },

    /** Marks the template deleted; false when there was no live template with that id. */
    async softDelete(input: { id: string; deletedBy: string }, trx: Executor = db): Promise<boolean> {
      const updated = await live(trx)
        .where({ id: input.id })
        .update({ deleted_at: trx.fn.now(), updated_by: input.deletedBy, updated_at: trx.fn.now() });
      return updated > 0;
    },
  };
}

export type ReplyTemplateStore = ReturnType<typeof createReplyTemplateStore>;
