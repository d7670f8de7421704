/**
 * Recorded histories as JSON files. The protobuf message's own object form is used (enum names,
 * longs and bytes as strings), which converts back to the identical message; the SDK's proto-JSON
 * helpers cannot be used here because this install carries two copies of protobufjs.
 */
import fs from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

type History = temporal.api.history.v1.IHistory;
const HistoryMessage = temporal.api.history.v1.History;

export function writeHistoryFile({ name, history }: { name: string; history: History }): string {
  const plain = HistoryMessage.toObject(HistoryMessage.fromObject(history), {
    longs: String,
    enums: String,
    bytes: String,
  });
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  const file = path.join(HISTORIES_DIR, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(plain, null, 1)}\n`);
  return file;
}

export interface RecordedHistory {
  name: string;
  workflowId: string;
  history: temporal.api.history.v1.History;
}

/**
 * Every recorded history, named by its path under test/histories without `.json`. Histories of
 * runs made by earlier workflow code stay in a folder named after the patch that changed it.
 */
export function readHistoryFiles(dir = HISTORIES_DIR, prefix = ''): RecordedHistory[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry): RecordedHistory[] => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return readHistoryFiles(file, `${prefix}${entry.name}/`);
      if (!entry.name.endsWith('.json')) return [];
      const history = HistoryMessage.fromObject(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>);
      const name = `${prefix}${path.basename(entry.name, '.json')}`;
      return [{ name, workflowId: `replay:${name}`, history }];
    });
}
