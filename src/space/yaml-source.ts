import type { Node, Pair } from 'yaml';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { SpaceError } from '../errors.js';

export type Path = readonly (string | number)[];

/**
 * A parsed YAML file that can say on which line any value or key sits, so that every
 * validation error names the file, the line, the key, what was expected and what was found.
 */
export class YamlSource {
  readonly file: string;
  readonly data: unknown;
  private readonly root: unknown;
  private readonly lines: LineCounter;

  constructor(file: string, text: string) {
    this.file = file;
    this.lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = this.lines.linePos(first.pos[0]).line;
      const what = first.code === 'DUPLICATE_KEY' ? 'a key appears twice in the same mapping' : first.message.split(' at line')[0];
      throw new SpaceError(`${file}:${line}: invalid YAML: ${what}`);
    }
    this.root = doc.contents;
    this.data = doc.toJS({ maxAliasCount: 100 });
  }

  /** Line of the key at `path` (or of the value, for sequence items and the root). */
  lineOf(path: Path): number {
    let node: unknown = this.root;
    let line = 1;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((p: Pair) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (pair === undefined) break;
        line = this.lineAt(pair.key as Node) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment];
        if (item === undefined) break;
        line = this.lineAt(isPair(item) ? (item.key as Node) : (item as Node)) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  }

  /** A SpaceError pointing at `path`: `file:line: a.b.c: expected …, found …`. */
  error(path: Path, expected: string, found?: unknown): SpaceError {
    const where = path.length === 0 ? '(top level)' : formatPath(path);
    const tail = arguments.length >= 3 ? `, found ${describeValue(found)}` : '';
    return new SpaceError(`${this.file}:${this.lineOf(path)}: ${where}: expected ${expected}${tail}`);
  }

  /** A SpaceError at `path` with a free-form message. */
  fail(path: Path, message: string): SpaceError {
    const where = path.length === 0 ? '' : `${formatPath(path)}: `;
    return new SpaceError(`${this.file}:${this.lineOf(path)}: ${where}${message}`);
  }

  private lineAt(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
}

export function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Short, one-line rendering of a found value for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `a list ${truncate(JSON.stringify(value))}`;
  if (typeof value === 'object') return `a mapping ${truncate(JSON.stringify(value))}`;
  return String(value);
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
