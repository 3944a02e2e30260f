import { errorMessage } from '../errors.js';
import type { StageRow } from '../analysis/stages.js';
import { render } from 'ink';
import type { Instance } from 'ink';
import type { Reporter, StopReason } from '../run/reporter.js';
import type { CachedStorage } from '../storage/cached.js';
import type { FrozenTrial, StudyRecord } from '../storage/records.js';
import type { Study } from '../study/study.js';
import { App } from './components/App.js';
import { DevicePoller } from './devices.js';
import { TrialFeed } from './feed.js';
import { headerFromStudy } from './model/header.js';
import { summaryLines } from './model/summary.js';
import type { DeviceSnapshot, StudyHeader } from './model/types.js';
import { buildDashboardView, viewToText } from './model/view.js';
import { DashboardStore } from './store.js';
import { TerminalScreen } from './terminal.js';

const STOP_REASON_TEXT: Record<StopReason, string> = { budget: 'budget reached', timeout: 'timeout reached', interrupted: 'interrupted', exhausted: 'search space exhausted' };

/** A dashboard driving `sodate tune`: a Reporter, closed by the command when the run ends. */
export interface DashboardReporter extends Reporter {
  /** Stop refreshing, give the terminal back and print the outcome. */
  close(): Promise<void>;
}

export interface StartDashboardOptions {
  /** The study being tuned; its `storage` (a CachedStorage) is read incrementally. */
  readonly study: Study;
  readonly stdout: NodeJS.WriteStream;
  /** Keys are read only when this is a terminal. */
  readonly stdin: NodeJS.ReadStream;
  /** The user pressed `q` and confirmed: stop asking for trials, let the running ones finish. */
  readonly onStopRequest: () => void;
  /** Milliseconds between reads of the study. Default 500. */
  readonly refreshMs?: number;
  /** Device readings; false for none. Default: a `DevicePoller` every 2 s. */
  readonly devices?: DevicePoller | false;
  /** Gets the events if the dashboard itself fails, so the run goes on with plain lines. Default: none. */
  readonly fallback?: Reporter;
  readonly now?: () => number;
  /** A stage of a staged study: reads every stage's row (`stageRows`), shown side by side. Default: none. */
  readonly readStages?: StageRowsReader;
}

/** Reads the rows of the stages table of the staged study being followed (every few seconds). */
export type StageRowsReader = () => Promise<readonly StageRow[]>;

/** Milliseconds between reads of the stages: they change when a trial of any stage ends. */
const STAGES_REFRESH_MS = 3000;

interface Mounted {
  readonly store: DashboardStore;
  readonly feed: TrialFeed;
  readonly screen: TerminalScreen;
  readonly instance: Instance;
  readonly devices: DevicePoller | undefined;
  /** Resolves when Ink exits; to the error if it failed. */
  readonly exited: Promise<unknown>;
  readonly stagesTimer: NodeJS.Timeout | undefined;
}

function mount(options: {
  stdout: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  header: StudyHeader;
  trials: readonly FrozenTrial[];
  read: () => Promise<readonly FrozenTrial[]>;
  refreshMs: number;
  devices: DevicePoller | false | undefined;
  now: () => number;
  mode: 'tune' | 'attach';
  onStopRequest?: () => void;
  onQuit?: () => void;
  readStages?: StageRowsReader | undefined;
}): Mounted {
  const { stdout, stdin, now } = options;
  const store = new DashboardStore({ header: options.header, trials: options.trials, now: now(), device: null, notice: null });
  const feed = new TrialFeed({
    read: options.read,
    refreshMs: options.refreshMs,
    now,
    onTrials: (trials, at) => store.update(store.getSnapshot().notice?.startsWith('reading the study failed') ? { trials, now: at, notice: null } : { trials, now: at }),
    onError: (error) => store.update({ notice: `reading the study failed: ${errorMessage(error)}; retrying` }),
  });
  const screen = new TerminalScreen(stdout, stdin);
  screen.enter();
  const keys = stdin.isTTY === true;
  const onResize = () => {
    screen.clear();
    instance.clear();
  };
  const instance: Instance = render(
    <App
      source={store}
      mode={options.mode}
      keys={keys}
      onResize={onResize}
      {...(options.onStopRequest ? { onStopRequest: options.onStopRequest } : {})}
      {...(options.onQuit ? { onQuit: options.onQuit } : {})}
    />,
    // console.log from trial code goes above the view instead of tearing it (where console can be patched).
    { stdout, stdin, exitOnCtrlC: false, patchConsole: typeof console.Console === 'function', maxFps: 15 },
  );
  const exited = instance.waitUntilExit().then(
    () => undefined,
    (error: unknown) => error ?? new Error('the dashboard failed'),
  );
  const devices = options.devices === false ? undefined : (options.devices ?? new DevicePoller());
  devices?.start((device) => store.update({ device }));
  feed.start();
  let stagesTimer: NodeJS.Timeout | undefined;
  const readStages = options.readStages;
  if (readStages !== undefined) {
    const refreshStages = () => void readStages().then((stages) => store.update({ stages }), () => undefined);
    refreshStages();
    stagesTimer = setInterval(refreshStages, STAGES_REFRESH_MS);
    stagesTimer.unref();
  }
  return { store, feed, screen, instance, devices, exited, stagesTimer };
}

async function unmount(m: Mounted): Promise<void> {
  m.feed.stop();
  if (m.stagesTimer !== undefined) clearInterval(m.stagesTimer);
  m.devices?.stop();
  m.instance.unmount();
  await m.exited;
  m.screen.leave();
}

/**
 * The live dashboard as a Reporter for `sodate tune`: it reads the study from storage on
 * a timer (incrementally, through the study's CachedStorage) and right after each trial
 * event, and draws it in the alternate screen. `q` asks whether to stop; yes calls
 * `onStopRequest`. Ctrl-C sends SIGINT to this process, so the command's own handling
 * of interrupts applies. If drawing fails, the terminal is restored and the events go to
 * `fallback`.
 */
export function startDashboard(options: StartDashboardOptions): DashboardReporter {
  const { study } = options;
  const now = options.now ?? Date.now;
  let failed = false;
  let closed = false;
  const m = mount({
    stdout: options.stdout,
    stdin: options.stdin,
    header: headerFromStudy(study, { startedAt: now() }),
    trials: study.trials,
    read: () => study.storage.allTrials(study.id),
    readStages: options.readStages,
    refreshMs: options.refreshMs ?? 500,
    devices: options.devices,
    now,
    mode: 'tune',
    onStopRequest: () => {
      m.store.updateHeader({ stopping: true });
      options.onStopRequest();
    },
  });
  void m.exited.then((error) => {
    if (error === undefined || closed) return;
    failed = true;
    m.feed.stop();
    m.devices?.stop();
    m.screen.leave();
    process.stderr.write(`sodate: the dashboard stopped (${errorMessage(error)}); going on without it\n`);
  });
  const fallback = (): Reporter | undefined => (failed ? options.fallback : undefined);
  return {
    studyStart(info) {
      fallback()?.studyStart?.(info);
      m.store.update({
        header: headerFromStudy(study, {
          ...m.store.getSnapshot().header,
          metric: info.metric,
          sampler: info.samplerName,
          pruner: info.prunerName,
          maxTrials: info.maxTrials,
          timeoutSeconds: info.timeoutSeconds,
          startedAt: now(),
        }),
      });
      m.feed.refreshSoon();
    },
    trialStart(trial) {
      fallback()?.trialStart?.(trial);
      m.feed.refreshSoon();
    },
    trialFinish(trial, s) {
      fallback()?.trialFinish?.(trial, s);
      m.feed.refreshSoon();
    },
    notice(message) {
      fallback()?.notice?.(message);
      m.store.update({ notice: message });
    },
    studyEnd(s, reason) {
      fallback()?.studyEnd?.(s, reason);
      m.store.updateHeader({ ended: STOP_REASON_TEXT[reason], stopping: false });
      m.feed.refreshSoon(0);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (failed) return;
      await m.feed.refresh();
      await unmount(m);
      const data = m.store.getSnapshot();
      for (const line of summaryLines(data.header, data.trials)) options.stdout.write(`${line}\n`);
    },
  };
}

export interface AttachDashboardOptions {
  /** The storage holding the study, behind a cache so each refresh reads only what changed. */
  readonly storage: CachedStorage;
  readonly study: StudyRecord;
  readonly stdout: NodeJS.WriteStream;
  readonly stdin: NodeJS.ReadStream;
  /** Milliseconds between reads. Default 1000. */
  readonly refreshMs?: number;
  /** The budget to show progress against, when the study does not store one. */
  readonly maxTrials?: number | undefined;
  readonly devices?: DevicePoller | false;
  readonly now?: () => number;
  /** Resolves the returned promise early (tests, embedding). */
  readonly signal?: AbortSignal;
  /** The study is a stage of a staged study: reads every stage's row. Default: none. */
  readonly readStages?: StageRowsReader;
}

/**
 * Follow a stored study read-only (`sodate dashboard`), running or finished, from any
 * terminal that reaches its storage. Resolves when the user quits (`q`, Ctrl-C) or the
 * process gets SIGINT/SIGTERM/SIGHUP; the terminal is restored in every case.
 */
export async function attachDashboard(options: AttachDashboardOptions): Promise<void> {
  const now = options.now ?? Date.now;
  let quit: () => void = () => undefined;
  const quitted = new Promise<void>((resolve) => (quit = resolve));
  const fallback = options.maxTrials === undefined ? {} : { maxTrials: options.maxTrials };
  const m = mount({
    stdout: options.stdout,
    stdin: options.stdin,
    header: headerFromStudy(options.study, fallback),
    trials: [],
    read: () => options.storage.allTrials(options.study.id),
    readStages: options.readStages,
    refreshMs: options.refreshMs ?? 1000,
    devices: options.devices,
    now,
    mode: 'attach',
    onQuit: () => quit(),
  });
  // The study's attributes (sampler, pruner, budget) may be set after it was created.
  const attrs = setInterval(() => {
    options.storage.loadStudy(options.study.name).then(
      (record) => {
        if (record === null) m.store.update({ notice: `study "${options.study.name}" no longer exists` });
        else m.store.update({ header: headerFromStudy(record, { ...m.store.getSnapshot().header, ...fallback }) });
      },
      () => undefined,
    );
  }, 5000);
  attrs.unref();
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, quit);
  options.signal?.addEventListener('abort', quit);
  try {
    await Promise.race([quitted, m.exited.then((error) => (error === undefined ? undefined : Promise.reject(error as Error)))]);
  } finally {
    clearInterval(attrs);
    for (const s of signals) process.off(s, quit);
    options.signal?.removeEventListener('abort', quit);
    await unmount(m);
  }
}

/** One frame of the dashboard as plain text: what `sodate dashboard` prints when stdout is not a terminal. */
export function renderDashboardText(options: {
  study: StudyRecord;
  trials: readonly FrozenTrial[];
  maxTrials?: number | undefined;
  columns?: number;
  rows?: number;
  now?: number;
  stages?: readonly StageRow[] | undefined;
  /** This machine's devices, read once (else the devices line says it is still reading). */
  device?: DeviceSnapshot | null;
}): string {
  const view = buildDashboardView({
    device: options.device ?? null,
    study: headerFromStudy(options.study, options.maxTrials === undefined ? {} : { maxTrials: options.maxTrials }),
    trials: options.trials,
    now: options.now ?? Date.now(),
    size: { columns: options.columns ?? 100, rows: options.rows ?? 30 },
    sort: 'recent',
    selected: null,
    detail: false,
    keys: false,
    stages: options.stages,
  });
  return `${viewToText(view).join('\n')}\n`;
}
