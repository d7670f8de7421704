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
  const plain = HistoryMessage.toObject(HistoryMessage.fromObject(history), { longs: String, enums: String, bytes: String });
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

export function readHistoryFiles(): RecordedHistory[] {
  if (!fs.existsSync(HISTORIES_DIR)) return [];
  return fs
    .readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const history = HistoryMessage.fromObject(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as Record<string, unknown>);
      const name = path.basename(file, '.json');
      return { name, workflowId: `replay:${name}`, history };
    });
}
