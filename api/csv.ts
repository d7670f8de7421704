/**
 * Reports as CSV: one line per row, nested values flattened into dotted column names
 * (`firstResponse.calendarMinutes.median`), every column any row has, in the order first seen.
 */
import type { Request, Response } from 'express';
import { stringify } from 'csv-stringify/sync';

type Flat = Record<string, string | number | boolean | null>;

function flattenInto(value: unknown, prefix: string, out: Flat): void {
  if (value === null || value === undefined) {
    out[prefix] = null;
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => flattenInto(item, `${prefix}.${index}`, out));
  } else if (typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) flattenInto(inner, prefix ? `${prefix}.${key}` : key, out);
  } else {
    out[prefix] = value as string | number | boolean;
  }
}

export function flattenRow(row: object): Flat {
  const out: Flat = {};
  flattenInto(row, '', out);
  return out;
}

export function toCsv(rows: readonly object[]): string {
  const flat = rows.map(flattenRow);
  const columns = [...new Set(flat.flatMap((row) => Object.keys(row)))];
  if (columns.length === 0) return 'group\n';
  return stringify(flat, { header: true, columns, cast: { boolean: (value) => String(value) } });
}

/** Whether the caller asked for CSV over JSON (JSON when it accepts both equally, or says nothing). */
export function prefersCsv(req: Request): boolean {
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

export function sendCsv(res: Response, input: { filename: string; rows: readonly object[] }): void {
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${input.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
  res.send(toCsv(input.rows));
}
