/**
 * `GET /api/v1/settings`: the UI's configuration, shaped as temporalio/ui's ui-server answers it
 * (PascalCase keys). Actions the offline server cannot perform are switched off here so that the
 * UI does not offer them.
 */
export interface UiSettings {
  Auth: { Enabled: boolean; Options: string[]; RedirectToProvider: boolean };
  DefaultNamespace: string;
  ShowTemporalSystemNamespace: boolean;
  NavCollapsedByDefault: boolean;
  FeedbackURL: string;
  DisableNewsFetch: boolean;
  Codec: {
    Endpoint: string;
    PassAccessToken: boolean;
    IncludeCredentials: boolean;
    DefaultErrorMessage: string;
    DefaultErrorLink: string;
  };
  Version: string;
  DisableWriteActions: boolean;
  WorkflowTerminateDisabled: boolean;
  WorkflowCancelDisabled: boolean;
  WorkflowSignalDisabled: boolean;
  WorkflowUpdateDisabled: boolean;
  WorkflowResetDisabled: boolean;
  WorkflowPauseDisabled: boolean;
  BatchActionsDisabled: boolean;
  StartWorkflowDisabled: boolean;
  HideWorkflowQueryErrors: boolean;
  RefreshWorkflowCountsDisabled: boolean;
  ActivityCommandsDisabled: boolean;
}

/** The @temporalio/ui release the settings describe unless told otherwise. */
export const DEFAULT_UI_VERSION = '2.38.0';

export type UiSettingsOverrides = Partial<Omit<UiSettings, 'Auth' | 'Codec'>> & {
  Codec?: Partial<UiSettings['Codec']>;
};

/**
 * The settings for a server whose WorkflowService implements the methods `has` says it does.
 * Terminate, cancel, signal and update follow the server; reset, pause, batch operations and
 * activity commands are off when it lacks them.
 */
export function uiSettings(has: (rpc: string) => boolean, overrides: UiSettingsOverrides = {}): UiSettings {
  const { Codec, ...rest } = overrides;
  return {
    Auth: { Enabled: false, Options: [], RedirectToProvider: false },
    DefaultNamespace: 'default',
    ShowTemporalSystemNamespace: false,
    NavCollapsedByDefault: false,
    FeedbackURL: '',
    DisableNewsFetch: true,
    Codec: {
      Endpoint: '',
      PassAccessToken: false,
      IncludeCredentials: false,
      DefaultErrorMessage: '',
      DefaultErrorLink: '',
      ...Codec,
    },
    Version: DEFAULT_UI_VERSION,
    DisableWriteActions: false,
    WorkflowTerminateDisabled: !has('TerminateWorkflowExecution'),
    WorkflowCancelDisabled: !has('RequestCancelWorkflowExecution'),
    WorkflowSignalDisabled: !has('SignalWorkflowExecution'),
    WorkflowUpdateDisabled: !has('UpdateWorkflowExecution'),
    WorkflowResetDisabled: !has('ResetWorkflowExecution'),
    WorkflowPauseDisabled: !has('PauseWorkflowExecution'),
    BatchActionsDisabled: !has('StartBatchOperation'),
    StartWorkflowDisabled: !has('StartWorkflowExecution'),
    HideWorkflowQueryErrors: false,
    RefreshWorkflowCountsDisabled: false,
    ActivityCommandsDisabled: !(has('PauseActivity') && has('ResetActivity') && has('UnpauseActivity')),
    ...rest,
  };
}
