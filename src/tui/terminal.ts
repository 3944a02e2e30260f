/** Escape sequences the dashboard writes around Ink. */
const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h\u001B[2J\u001B[H';
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l';
const SHOW_CURSOR = '\u001B[?25h';
const CLEAR_SCREEN = '\u001B[2J\u001B[3J\u001B[H';

interface Out {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}
interface In {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/**
 * The terminal while a dashboard owns it: the alternate screen (so the shell's screen
 * comes back untouched), and a promise to give everything back (cursor, raw mode, main
 * screen) however the process ends: normally, on an error, or on `process.exit`.
 */
export class TerminalScreen {
  private readonly stdout: Out;
  private readonly stdin: In;
  private entered = false;
  private readonly onExit = () => this.leave();

  constructor(stdout: Out, stdin: In) {
    this.stdout = stdout;
    this.stdin = stdin;
  }

  enter(): void {
    if (this.entered || this.stdout.isTTY !== true) return;
    this.entered = true;
    this.stdout.write(ENTER_ALTERNATE_SCREEN);
    process.once('exit', this.onExit);
  }

  /** Wipe the screen (after a resize, before the view is drawn again). */
  clear(): void {
    if (this.entered) this.stdout.write(CLEAR_SCREEN);
  }

  /** Restore the terminal; safe to call more than once. */
  leave(): void {
    if (this.stdin.isTTY === true && this.stdin.isRaw === true) {
      try {
        this.stdin.setRawMode?.(false);
      } catch {
        // stdin may already be closed
      }
    }
    if (!this.entered) return;
    this.entered = false;
    process.off('exit', this.onExit);
    try {
      this.stdout.write(SHOW_CURSOR + LEAVE_ALTERNATE_SCREEN);
    } catch {
      // stdout may already be closed
    }
  }
}
