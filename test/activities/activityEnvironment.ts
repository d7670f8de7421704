import type * as activity from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';

export interface ActivityRunner {
  /** Runs one activity in an activity context, keeping its input and result types. */
  run<Input, Output>(activity: (input: Input) => Promise<Output>, input: Input): Promise<Output>;
}

/** An activity context whose expected failures do not flood the test output; `info` sets e.g. its attempt. */
export function quietActivityEnvironment(info?: Partial<activity.Info>): ActivityRunner {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  return {
    run: <Input, Output>(activity: (input: Input) => Promise<Output>, input: Input) =>
      env.run<[Input], Output, (input: Input) => Promise<Output>>(activity, input),
  };
}
