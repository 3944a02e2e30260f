import type { JsonValue, ParamValue, SlotTrial } from 'sodate';
import { TrialPruned } from 'sodate';

export interface FakeSlotTrialOptions {
  readonly artifactDir?: string;
  readonly resumeFrom?: string;
  readonly resumeStep?: number;
  /** `report` of this step throws TrialPruned, as when the loop says stop (or pause). */
  readonly stopAt?: number;
  readonly seed?: number;
}

/**
 * A trial as a slot hands it to the objective, without a loop: fixed parameters, a
 * directory, and a record of what the objective reported, logged and named as checkpoints.
 */
export class FakeSlotTrial implements SlotTrial {
  readonly number = 0;
  readonly study = 'test';
  readonly device = 'cpu';
  readonly slot = 'cpu#0';
  readonly seed: number | undefined;
  readonly artifactDir: string | undefined;
  readonly resumeFrom: string | undefined;
  readonly resumeStep: number | undefined;
  readonly reports = new Map<number, number | readonly number[]>();
  readonly checkpoints: [string, number][] = [];
  readonly logs: string[] = [];
  readonly attrs: Record<string, JsonValue> = {};
  private readonly stopAt: number | undefined;
  private stopped = false;

  constructor(
    readonly params: Record<string, ParamValue>,
    options: FakeSlotTrialOptions = {},
  ) {
    this.seed = options.seed ?? 5;
    this.artifactDir = options.artifactDir;
    this.resumeFrom = options.resumeFrom;
    this.resumeStep = options.resumeStep;
    this.stopAt = options.stopAt;
  }

  suggest(): ParamValue {
    throw new Error('the fake trial holds fixed parameters');
  }
  suggestFloat(): number {
    throw new Error('the fake trial holds fixed parameters');
  }
  suggestInt(): number {
    throw new Error('the fake trial holds fixed parameters');
  }
  suggestCategorical<T>(): T {
    throw new Error('the fake trial holds fixed parameters');
  }

  async report(step: number, value: number | readonly number[]): Promise<void> {
    this.reports.set(step, value);
    if (step === this.stopAt) {
      this.stopped = true;
      throw new TrialPruned(`stopped at step ${step}`);
    }
  }

  async reportFold(fold: number, value: number): Promise<void> {
    this.reports.set(fold, value);
  }

  shouldPrune(): boolean {
    return this.stopped;
  }

  setUserAttr(key: string, value: JsonValue): void {
    this.attrs[key] = value;
  }

  setConstraint(): void {}

  saveCheckpoint(path: string, step: number): void {
    this.checkpoints.push([path, step]);
  }

  log(text: string): void {
    this.logs.push(text);
  }
}
