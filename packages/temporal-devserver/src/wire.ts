/**
 * The decoded shapes of the wire messages the typed modules read, narrowed to the fields they use.
 * protos.ts decodes int64 as number, enums by their names and bytes as Buffer, which the generated
 * @temporalio/proto interfaces (numeric enums, Long) do not describe; any field may be absent.
 */
import type { Msg } from './protos';

export interface WireTime {
  seconds?: number | null;
  nanos?: number | null;
}

export interface Payload {
  metadata?: Record<string, Buffer>;
  data?: Buffer;
}

export interface WorkflowExecutionRef {
  workflowId?: string;
  runId?: string;
}

export interface TaskQueueRef {
  name?: string;
  kind?: string;
}

export interface NamespaceScoped {
  namespace?: string;
}

export interface DescribeNamespaceRequest extends NamespaceScoped {
  id?: string;
}

export interface RegisterNamespaceRequest extends NamespaceScoped {
  description?: string;
  workflowExecutionRetentionPeriod?: WireTime;
}

export interface UpdateNamespaceRequest extends NamespaceScoped {
  updateInfo?: { description?: string };
  config?: { workflowExecutionRetentionTtl?: WireTime };
}

export interface GetWorkflowExecutionHistoryRequest extends NamespaceScoped {
  execution?: WorkflowExecutionRef;
  maximumPageSize?: number;
  nextPageToken?: Buffer;
  waitNewEvent?: boolean;
  historyEventFilterType?: string;
}

export interface DescribeTaskQueueRequest extends NamespaceScoped {
  taskQueue?: TaskQueueRef;
  taskQueueType?: string;
}

export interface AddSearchAttributesRequest extends NamespaceScoped {
  /** Attribute name → IndexedValueType name. */
  searchAttributes?: Record<string, string>;
}

export interface RemoveSearchAttributesRequest extends NamespaceScoped {
  searchAttributes?: string[];
}

export interface StartTimerAttributes {
  timerId?: string;
  startToFireTimeout?: WireTime;
}

export interface CancelTimerAttributes {
  timerId?: string;
}

export interface SleepRequest {
  duration?: WireTime;
}

export interface SleepUntilRequest {
  timestamp?: WireTime;
}

export interface PollTaskQueueRequest extends NamespaceScoped {
  taskQueue?: TaskQueueRef;
  identity?: string;
}

export interface RespondWorkflowTaskFailedRequest {
  taskToken?: Buffer;
  cause?: string;
  /** temporal.api.failure.v1.Failure, passed on to history as the worker sent it. */
  failure?: Msg;
  identity?: string;
  binaryChecksum?: string;
}

export interface ShutdownWorkerRequest extends NamespaceScoped {
  stickyTaskQueue?: string;
}

export interface ResetStickyTaskQueueRequest extends NamespaceScoped {
  execution?: WorkflowExecutionRef;
}

export interface QueryWorkflowRequest extends NamespaceScoped {
  execution?: WorkflowExecutionRef;
  /** temporal.api.query.v1.WorkflowQuery, handed to the worker as is. */
  query?: Msg;
  queryRejectCondition?: string;
}

/** A query's answer inside a workflow task completion (temporal.api.query.v1.WorkflowQueryResult). */
export interface WorkflowQueryResult {
  resultType?: string;
  answer?: Msg;
  errorMessage?: string;
  failure?: Msg;
}

export interface RespondQueryTaskCompletedRequest extends NamespaceScoped {
  taskToken?: Buffer;
  completedType?: string;
  queryResult?: Msg;
  errorMessage?: string;
  failure?: Msg;
}

export interface UpdateMeta {
  updateId?: string;
  identity?: string;
}

/** temporal.api.update.v1.Request: kept whole on the update and handed to the worker. */
export interface UpdateRequest {
  meta?: UpdateMeta;
  input?: { name?: string; header?: Msg; args?: Msg };
}

export interface UpdateRef {
  workflowExecution?: WorkflowExecutionRef;
  updateId?: string;
}

export interface UpdateWaitPolicy {
  lifecycleStage?: string;
}

export interface UpdateWorkflowExecutionRequest extends NamespaceScoped {
  workflowExecution?: WorkflowExecutionRef;
  firstExecutionRunId?: string;
  waitPolicy?: UpdateWaitPolicy;
  request?: UpdateRequest;
}

export interface PollWorkflowExecutionUpdateRequest extends NamespaceScoped {
  updateRef?: UpdateRef;
  waitPolicy?: UpdateWaitPolicy;
}

/** A protocol message in a workflow task completion (temporal.api.protocol.v1.Message). */
export interface ProtocolMessage {
  id?: string;
  protocolInstanceId?: string;
  /** google.protobuf.Any, unpacked by the reader. */
  body?: Msg;
}

export interface UpdateAcceptance {
  acceptedRequestMessageId?: string;
  acceptedRequestSequencingEventId?: number;
}

export interface UpdateRejection {
  failure?: Msg;
}

export interface UpdateResponse {
  meta?: UpdateMeta;
  /** temporal.api.update.v1.Outcome, recorded and returned as the worker sent it. */
  outcome?: Msg;
}

export interface RetryPolicy {
  initialInterval?: WireTime;
  backoffCoefficient?: number;
  maximumInterval?: WireTime;
  maximumAttempts?: number;
  nonRetryableErrorTypes?: string[];
}

export interface ScheduleActivityTaskAttributes {
  activityId?: string;
  activityType?: { name?: string };
  taskQueue?: TaskQueueRef;
  header?: Msg;
  input?: Msg;
  scheduleToCloseTimeout?: WireTime;
  scheduleToStartTimeout?: WireTime;
  startToCloseTimeout?: WireTime;
  heartbeatTimeout?: WireTime;
  retryPolicy?: RetryPolicy;
  requestEagerExecution?: boolean;
  useWorkflowBuildId?: boolean;
  priority?: Msg;
}

/** The timeouts of a WorkflowExecutionStarted event that a description repeats. */
export interface WorkflowExecutionStartedAttributes {
  workflowExecutionTimeout?: WireTime;
  workflowRunTimeout?: WireTime;
  workflowTaskTimeout?: WireTime;
}

export interface DescribeWorkflowExecutionRequest extends NamespaceScoped {
  execution?: WorkflowExecutionRef;
}

export interface ListWorkflowExecutionsRequest extends NamespaceScoped {
  query?: string;
  pageSize?: number;
  nextPageToken?: Buffer;
}

export interface WorkflowTypeRef {
  name?: string;
}

/**
 * A run's start request (temporal.api.workflowservice.v1.StartWorkflowExecutionRequest), as
 * kept on the run and handed on to the next run of its chain.
 */
export interface StartWorkflowExecutionRequest extends NamespaceScoped {
  workflowId?: string;
  workflowType?: WorkflowTypeRef;
  taskQueue?: TaskQueueRef;
  input?: Msg;
  workflowExecutionTimeout?: WireTime;
  workflowRunTimeout?: WireTime;
  workflowTaskTimeout?: WireTime;
  identity?: string;
  requestId?: string;
  workflowIdReusePolicy?: string;
  workflowIdConflictPolicy?: string;
  retryPolicy?: RetryPolicy;
  cronSchedule?: string;
  memo?: { fields?: Record<string, Msg> };
  searchAttributes?: { indexedFields?: Record<string, Payload> };
  header?: Msg;
  workflowStartDelay?: WireTime;
  priority?: Msg;
  /** Set by the server: when the run's chain must have finished (epoch ms). */
  __executionExpiration?: number;
}

/** The part of a temporal.api.failure.v1.Failure the retry policy looks at. */
export interface Failure {
  message?: string;
  applicationFailureInfo?: { type?: string; nonRetryable?: boolean; nextRetryDelay?: WireTime };
}

export interface ContinueAsNewAttributes {
  workflowType?: WorkflowTypeRef;
  taskQueue?: TaskQueueRef;
  input?: Msg;
  workflowRunTimeout?: WireTime;
  workflowTaskTimeout?: WireTime;
  backoffStartInterval?: WireTime;
  retryPolicy?: RetryPolicy;
  initiator?: string;
  failure?: Msg;
  lastCompletionResult?: Msg;
  header?: Msg;
  memo?: Msg;
  searchAttributes?: Msg;
}

export interface TerminateWorkflowExecutionRequest extends NamespaceScoped {
  workflowExecution?: WorkflowExecutionRef;
  firstExecutionRunId?: string;
  reason?: string;
  details?: Msg;
  identity?: string;
}

export interface DeleteWorkflowExecutionRequest extends NamespaceScoped {
  workflowExecution?: WorkflowExecutionRef;
}

export interface RequestCancelWorkflowExecutionRequest extends NamespaceScoped {
  workflowExecution?: WorkflowExecutionRef;
  firstExecutionRunId?: string;
  requestId?: string;
  reason?: string;
  identity?: string;
}

export interface SignalWithStartWorkflowExecutionRequest extends StartWorkflowExecutionRequest {
  signalName?: string;
  signalInput?: Msg;
}

export interface ExecuteMultiOperationRequest extends NamespaceScoped {
  operations?: Array<{
    startWorkflow?: StartWorkflowExecutionRequest;
    updateWorkflow?: UpdateWorkflowExecutionRequest;
  }>;
}

export interface SignalWorkflowExecutionRequest extends NamespaceScoped {
  workflowExecution?: WorkflowExecutionRef;
  signalName?: string;
  input?: Msg;
  identity?: string;
  requestId?: string;
  header?: Msg;
}

export interface SearchAttributes {
  indexedFields?: Record<string, Payload>;
}

export interface StartChildWorkflowExecutionAttributes {
  namespace?: string;
  workflowId?: string;
  workflowType?: WorkflowTypeRef;
  taskQueue?: TaskQueueRef;
  input?: Msg;
  workflowExecutionTimeout?: WireTime;
  workflowRunTimeout?: WireTime;
  workflowTaskTimeout?: WireTime;
  parentClosePolicy?: string;
  control?: string;
  workflowIdReusePolicy?: string;
  retryPolicy?: RetryPolicy;
  memo?: { fields?: Record<string, Msg> };
  searchAttributes?: SearchAttributes;
  header?: Msg;
}

export interface SignalExternalWorkflowExecutionAttributes {
  namespace?: string;
  execution?: WorkflowExecutionRef;
  signalName?: string;
  input?: Msg;
  control?: string;
  childWorkflowOnly?: boolean;
  header?: Msg;
}

export interface RequestCancelExternalWorkflowExecutionAttributes {
  namespace?: string;
  workflowId?: string;
  runId?: string;
  control?: string;
  childWorkflowOnly?: boolean;
  reason?: string;
}

/** The fields of a run's close event that its parent is told. */
export interface CloseEventAttributes {
  result?: Msg;
  failure?: Msg;
  details?: Msg;
  retryState?: string;
}

/** A workflow command: its type and the one attributes field that type names. */
export interface Command {
  commandType?: string;
  scheduleActivityTaskCommandAttributes?: ScheduleActivityTaskAttributes;
  /** Read by the activities module. */
  requestCancelActivityTaskCommandAttributes?: Msg;
  startTimerCommandAttributes?: StartTimerAttributes;
  cancelTimerCommandAttributes?: CancelTimerAttributes;
  completeWorkflowExecutionCommandAttributes?: { result?: Msg };
  failWorkflowExecutionCommandAttributes?: { failure?: Msg };
  cancelWorkflowExecutionCommandAttributes?: { details?: Msg };
  continueAsNewWorkflowExecutionCommandAttributes?: ContinueAsNewAttributes;
  recordMarkerCommandAttributes?: { markerName?: string; details?: Msg; header?: Msg; failure?: Msg };
  upsertWorkflowSearchAttributesCommandAttributes?: { searchAttributes?: SearchAttributes };
  modifyWorkflowPropertiesCommandAttributes?: { upsertedMemo?: { fields?: Record<string, Payload> } };
  startChildWorkflowExecutionCommandAttributes?: StartChildWorkflowExecutionAttributes;
  signalExternalWorkflowExecutionCommandAttributes?: SignalExternalWorkflowExecutionAttributes;
  requestCancelExternalWorkflowExecutionCommandAttributes?: RequestCancelExternalWorkflowExecutionAttributes;
  protocolMessageCommandAttributes?: { messageId?: string };
}

export interface RespondWorkflowTaskCompletedRequest extends NamespaceScoped {
  taskToken?: Buffer;
  commands?: Command[];
  messages?: ProtocolMessage[];
  identity?: string;
  binaryChecksum?: string;
  /** Query answers by query id. */
  queryResults?: Record<string, WorkflowQueryResult>;
  returnNewWorkflowTask?: boolean;
  forceCreateNewWorkflowTask?: boolean;
  stickyAttributes?: { workerTaskQueue?: TaskQueueRef; scheduleToStartTimeout?: WireTime };
  sdkMetadata?: Msg;
  meteringMetadata?: Msg;
  workerVersionStamp?: Msg;
}

/** An activity's attributes as scheduled: every timeout, its queue and a full retry policy set. */
export interface ScheduledActivityAttributes extends ScheduleActivityTaskAttributes {
  taskQueue: { name: string; kind: string };
  retryPolicy: Required<RetryPolicy>;
  workflowTaskCompletedEventId: number;
}

export interface RequestCancelActivityTaskAttributes {
  scheduledEventId?: number;
}

/** What a worker reports about an activity task, by token or by id. */
export interface ActivityReport {
  identity?: string;
  details?: Msg;
  result?: Msg;
  failure?: Msg;
  lastHeartbeatDetails?: Msg;
}

export interface ActivityTaskTokenRequest extends NamespaceScoped, ActivityReport {
  taskToken?: Buffer;
}

export interface ActivityByIdRequest extends NamespaceScoped, ActivityReport {
  workflowId?: string;
  runId?: string;
  activityId?: string;
}
