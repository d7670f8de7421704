/**
 * A closed run as it stays in memory for listings, their filters, the workflow id policies and
 * retention: a few hundred bytes of heap. Each search attribute and memo field is kept as its
 * payload's protobuf bytes in a string, decoded each time it is read, so that the run holds no
 * Buffer (a small Buffer is a slice of a shared 8 KiB pool, and one kept for the run's lifetime
 * would keep that whole allocation alive); equal values are one string shared between runs.
 */
import { decode, encode, type Msg } from './protos';
import type { RunSummary } from './runs';
import type { ClosedRunSummary } from './store/store';
import { SharedStrings } from './sharedStrings';

const PAYLOAD = 'temporal.api.common.v1.Payload';

/** The strings closed runs share: names of types, queues and namespaces, and payload bytes. */
const shared = new SharedStrings();

/** Payloads by name, each packed into a string. */
type PackedPayloads = Readonly<Record<string, string>>;

const NO_PAYLOADS: PackedPayloads = Object.freeze({});

function pack(payloads: Record<string, Msg>): PackedPayloads {
  if (!Object.keys(payloads).length) return NO_PAYLOADS;
  const packed: Record<string, string> = {};
  for (const [name, payload] of Object.entries(payloads))
    packed[name] = shared.get(encode(PAYLOAD, payload).toString('latin1'));
  return packed;
}

function unpack(packed: PackedPayloads): Record<string, Msg> {
  const payloads: Record<string, Msg> = {};
  for (const [name, bytes] of Object.entries(packed)) payloads[name] = decode(PAYLOAD, Buffer.from(bytes, 'latin1'));
  return payloads;
}

export class ClosedRun implements RunSummary {
  readonly namespace: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly firstExecutionRunId: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly startTime: number;
  readonly executionTime: number;
  readonly closeTime: number;
  readonly status: ClosedRunSummary['status'];
  readonly historyLength: number;
  readonly parent: ClosedRunSummary['parent'];
  readonly newRunIdOnClose: string | undefined;
  private readonly packedSearchAttributes: PackedPayloads;
  private readonly packedMemo: PackedPayloads;
  /** Start request ids: usually one, so an array rather than a Set. */
  private readonly startRequestIds: readonly string[];

  constructor(summary: ClosedRunSummary) {
    this.namespace = shared.get(summary.namespace);
    this.workflowId = summary.workflowId;
    this.runId = summary.runId;
    // Most runs are the first of their chain: one string for both ids.
    this.firstExecutionRunId = summary.firstExecutionRunId === summary.runId ? this.runId : summary.firstExecutionRunId;
    this.workflowType = shared.get(summary.workflowType);
    this.taskQueue = shared.get(summary.taskQueue);
    this.startTime = summary.startTime;
    this.executionTime = summary.executionTime;
    this.closeTime = summary.closeTime;
    this.status = summary.status;
    this.historyLength = summary.historyLength;
    this.parent = summary.parent;
    this.newRunIdOnClose = summary.newRunIdOnClose;
    this.packedSearchAttributes = pack(summary.searchAttributes);
    this.packedMemo = pack(summary.memo);
    this.startRequestIds = [...summary.requestIds];
  }

  get searchAttributes(): Record<string, Msg> {
    return unpack(this.packedSearchAttributes);
  }

  get memo(): Record<string, Msg> {
    return unpack(this.packedMemo);
  }

  get requestIds(): ReadonlySet<string> {
    return new Set(this.startRequestIds);
  }
}
