import { useInput, useStdout } from 'ink';
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { moveSelection, nextSortOrder } from '../model/order.js';
import type { SortOrder } from '../model/types.js';
import type { ViewMemo } from '../model/view.js';
import { buildDashboardView } from '../model/view.js';
import type { DashboardSource } from '../store.js';
import { Screen, wantsColor } from './Screen.js';

export const STOP_PROMPT = 'Stop the study? y: let running trials finish, then stop · n: keep going';

export interface AppProps {
  readonly source: DashboardSource;
  /**
   * 'tune': `q` asks whether to stop the study and calls `onStopRequest` on yes;
   * 'attach': `q` leaves the view (`onQuit`), the study goes on.
   */
  readonly mode: 'tune' | 'attach';
  /** Read keys (false when stdin is not a terminal). Default true. */
  readonly keys?: boolean;
  readonly onQuit?: () => void;
  readonly onStopRequest?: () => void;
  /** Ctrl-C (raw mode swallows the signal); default: the same as `q` in attach mode, SIGINT to this process in tune mode. */
  readonly onInterrupt?: () => void;
  /** Fixed terminal size (tests); default: the terminal's, following resizes. */
  readonly size?: { readonly columns: number; readonly rows: number };
  /** Called after a resize settles, just before the view is laid out for the new size (to clear the screen). */
  readonly onResize?: () => void;
  readonly initialSort?: SortOrder;
  /** ANSI colours. Default: when stdout is a terminal (and NO_COLOR is unset). */
  readonly color?: boolean;
}

/** The terminal's size, updated once a burst of resize events has settled. */
function useTerminalSize(fixed: AppProps['size'], onResize: AppProps['onResize']): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }));
  useEffect(() => {
    if (fixed !== undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const settle = () => {
      timer = undefined;
      onResize?.();
      setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    };
    const resized = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(settle, 60);
    };
    stdout.on('resize', resized);
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      stdout.off('resize', resized);
    };
  }, [stdout, fixed, onResize]);
  return fixed ?? size;
}

/** The live dashboard: holds what the user chose (sort, selection, details) and draws the view. */
export function App(props: AppProps) {
  const data = useSyncExternalStore(props.source.subscribe, props.source.getSnapshot);
  const size = useTerminalSize(props.size, props.onResize);
  const [sort, setSort] = useState<SortOrder>(props.initialSort ?? 'recent');
  const [selected, setSelected] = useState<number | null>(null);
  const [detail, setDetail] = useState(false);
  const [prompt, setPrompt] = useState<string | null>(null);
  const memo = useRef<ViewMemo>({});
  const keys = props.keys !== false;

  const view = useMemo(
    () =>
      buildDashboardView(
        { study: data.header, trials: data.trials, now: data.now, size, sort, selected, detail, device: data.device, notice: data.notice, prompt, keys, stages: data.stages },
        memo.current,
      ),
    [data, size, sort, selected, detail, prompt, keys],
  );

  useInput(
    (input, key) => {
      const direction = data.header.direction;
      if (key.ctrl && input === 'c') {
        if (props.onInterrupt) props.onInterrupt();
        else if (props.mode === 'attach') props.onQuit?.();
        else process.kill(process.pid, 'SIGINT');
        return;
      }
      if (prompt !== null) {
        if (input === 'y' || input === 'Y') {
          setPrompt(null);
          props.onStopRequest?.();
        } else if (input === 'n' || input === 'N' || key.escape || input === 'q') setPrompt(null);
        return;
      }
      const from = view.selected;
      if (key.upArrow || input === 'k') setSelected(moveSelection(data.trials, sort, direction, from, -1));
      else if (key.downArrow || input === 'j') setSelected(moveSelection(data.trials, sort, direction, from, 1));
      else if (key.pageUp) setSelected(moveSelection(data.trials, sort, direction, from, -10));
      else if (key.pageDown) setSelected(moveSelection(data.trials, sort, direction, from, 10));
      else if (key.return) {
        if (detail) setDetail(false);
        else {
          if (from === null) setSelected(moveSelection(data.trials, sort, direction, null, 1));
          setDetail(true);
        }
      } else if (key.escape || key.backspace || key.delete || key.leftArrow) setDetail(false);
      else if (input === 's') setSort(nextSortOrder(sort));
      else if (input === 'q') {
        if (props.mode === 'attach') props.onQuit?.();
        else if (data.header.ended !== undefined) props.onQuit?.();
        else if (data.header.stopping) return;
        else setPrompt(STOP_PROMPT);
      }
    },
    { isActive: keys },
  );

  const { stdout } = useStdout();
  return <Screen view={view} color={props.color ?? wantsColor(stdout)} />;
}
