/**
 * cron_string of a schedule spec, compiled the way the API describes it: 5 fields (minute to day
 * of week), 6 (plus year) or 7 (second first, plus year); the @yearly… shorthands; `@every
 * <interval>[/<phase>]` as an interval; a CRON_TZ= or TZ= prefix as the time zone; a `#` comment.
 */
import { parseCalendarField, ScheduleSpecError, type CalendarField, type StructuredCalendar } from './calendar';

export interface CompiledCron {
  calendar?: StructuredCalendar;
  interval?: { intervalMs: number; phaseMs: number };
  timezoneName?: string;
}

const SHORTHANDS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function parseDuration(text: string, cron: string): number {
  const match = /^(\d+)([smhd])$/.exec(text);
  if (!match) throw new ScheduleSpecError(`"${cron}": "${text}" is not a duration like 90s, 15m, 2h or 1d`);
  return Number(match[1]) * UNIT_MS[match[2]];
}

export function compileCron(cron: string): CompiledCron {
  let text = cron.trim();
  let comment: string | undefined;
  const hash = text.indexOf('#');
  if (hash >= 0) {
    comment = text.slice(hash + 1).trim() || undefined;
    text = text.slice(0, hash).trim();
  }
  let timezoneName: string | undefined;
  const zone = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (zone) {
    timezoneName = zone[1];
    text = text.slice(zone[0].length);
  }
  if (text.startsWith('@every')) {
    const [intervalText, phaseText] = text.slice('@every'.length).trim().split('/');
    const intervalMs = parseDuration(intervalText, cron);
    if (intervalMs <= 0) throw new ScheduleSpecError(`"${cron}": the interval must be positive`);
    return { interval: { intervalMs, phaseMs: phaseText ? parseDuration(phaseText, cron) : 0 }, timezoneName };
  }
  const expanded = SHORTHANDS[text.toLowerCase()] ?? text;
  const fields = expanded.split(/\s+/);
  let named: Array<[CalendarField, string]>;
  if (fields.length === 5 || fields.length === 6) {
    named = [
      ['second', '0'],
      ['minute', fields[0]],
      ['hour', fields[1]],
      ['dayOfMonth', fields[2]],
      ['month', fields[3]],
      ['dayOfWeek', fields[4]],
      ['year', fields[5] ?? '*'],
    ];
  } else if (fields.length === 7) {
    named = [
      ['second', fields[0]],
      ['minute', fields[1]],
      ['hour', fields[2]],
      ['dayOfMonth', fields[3]],
      ['month', fields[4]],
      ['dayOfWeek', fields[5]],
      ['year', fields[6]],
    ];
  } else {
    throw new ScheduleSpecError(`"${cron}" has ${fields.length} fields; a cron string has 5, 6 or 7`);
  }
  const calendar = { comment } as StructuredCalendar;
  for (const [field, expression] of named) calendar[field] = parseCalendarField(field, expression);
  return { calendar, timezoneName };
}
