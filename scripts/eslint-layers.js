/**
 * An ESLint rule that keeps `src/` layered: a folder may import its own files, the shared
 * files at the top of `src/` (errors, json, paths) and folders of lower layers, nothing else. A
 * strict order of layers rules out cycles between folders; within a folder, a cycle of value
 * imports between files is reported at the import that closes it. Known exceptions are listed by file with
 * the reason they remain, so that a new upward import fails `npm run lint` while the old
 * ones are visible and countable.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Lowest first. Folders on one layer may not import each other (that is what would let a
 * cycle in); `src/index.ts`, the package's face, sits above everything.
 */
export const LAYERS = [
  ['numerics'],
  ['space'],
  ['storage'],
  ['multi-objective'],
  ['policies'],
  ['samplers', 'pruners'],
  ['study'],
  ['objectives', 'artifacts'],
  ['study-file'],
  ['run', 'analysis'],
  ['tui'],
  ['cli'],
];

/**
 * Imports allowed to break the order, by importing file and imported file (relative to
 * `src/`), each with why: `{ from: /^space\/x\.ts$/, to: 'study/y.ts', why: '…' }`. None today.
 */
export const KNOWN_EXCEPTIONS = [];

const layerOf = new Map(LAYERS.flatMap((folders, layer) => folders.map((f) => [f, layer])));

/** `src/`-relative path of the folder a file lies in ('' for files at the top of src/). */
function folderOf(rel) {
  const parts = rel.split('/');
  return parts.length > 1 ? parts[0] : '';
}

/** The source file an import specifier names, or undefined when it is not one of ours. */
function resolveImport(fromFile, spec) {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec).replace(/\.(js|jsx)$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return undefined;
}

/** Value imports and re-exports (`import type` erases at build time, so it cannot make a load-order cycle). */
const IMPORT_PATTERN = /^\s*(?:import|export)\s(?!type\s)(?:[^'";]*?\sfrom\s)?\s*['"](\.[^'"]+)['"]/gm;

/** Every file of `src/` with the files of `src/` it imports as values, read once per lint run. */
function importGraph(srcRoot) {
  const graph = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) {
        const targets = [];
        for (const match of readFileSync(path, 'utf8').matchAll(IMPORT_PATTERN)) {
          const target = resolveImport(path, match[1]);
          if (target !== undefined) targets.push(target);
        }
        graph.set(path, targets);
      }
    }
  };
  walk(srcRoot);
  return graph;
}

/** Whether `target` reaches `start` again through imports inside `folder` (a file cycle). */
function closesCycle(graph, start, target, inFolder) {
  const seen = new Set();
  const stack = [target];
  while (stack.length > 0) {
    const file = stack.pop();
    if (file === start) return true;
    if (seen.has(file) || !inFolder(file)) continue;
    seen.add(file);
    stack.push(...(graph.get(file) ?? []));
  }
  return false;
}

const graphs = new Map();

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'keep src/ layered: no import up the layers, none sideways between folders of one layer, no file cycles' },
    schema: [],
    messages: {
      upward: '{{from}} imports {{to}}: {{fromFolder}}/ may not depend on {{toFolder}}/ ({{relation}}; layers, lowest first: {{order}}). Move the shared piece down or pass it in.',
      cycle: '{{from}} imports {{to}}, whose value imports lead back to {{from}} (a cycle within {{folder}}/). Move what both need into a third file.',
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = resolve(context.cwd, 'src');
    const rel = relative(srcRoot, file).split(sep).join('/');
    if (rel.startsWith('..') || rel === 'index.ts') return {};
    if (!graphs.has(srcRoot)) graphs.set(srcRoot, importGraph(srcRoot));
    const graph = graphs.get(srcRoot);
    const fromFolder = folderOf(rel);
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      const target = resolveImport(file, spec);
      if (target === undefined) return;
      const to = relative(srcRoot, target).split(sep).join('/');
      const toFolder = folderOf(to);
      if (toFolder === fromFolder) {
        const typeOnly = node.importKind === 'type' || node.exportKind === 'type';
        if (fromFolder !== '' && !typeOnly && closesCycle(graph, file, target, (f) => folderOf(relative(srcRoot, f).split(sep).join('/')) === fromFolder)) {
          context.report({ node, messageId: 'cycle', data: { from: `src/${rel}`, to: `src/${to}`, folder: `src/${fromFolder}` } });
        }
        return;
      }
      // The shared files at the top of src/ (errors, json) sit below every folder.
      if (toFolder === '' || fromFolder === '') return;
      const fromLayer = layerOf.get(fromFolder);
      const toLayer = layerOf.get(toFolder);
      if (fromLayer === undefined || toLayer === undefined || toLayer < fromLayer) return;
      if (KNOWN_EXCEPTIONS.some((e) => e.from.test(rel) && e.to === to)) return;
      context.report({
        node,
        messageId: 'upward',
        data: { from: `src/${rel}`, to: `src/${to}`, fromFolder, toFolder, relation: toLayer === fromLayer ? 'the same layer' : 'a higher layer', order: LAYERS.map((l) => l.join('/')).join(' < ') },
      });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

/** Unknown folders (a new one) fail too, so the map stays complete. */
const unknownFolderRule = {
  meta: { type: 'problem', docs: { description: 'every folder of src/ has a layer' }, schema: [], messages: { unknown: 'src/{{folder}}/ has no layer in scripts/eslint-layers.js (LAYERS): add it where it belongs' } },
  create(context) {
    const rel = relative(resolve(context.cwd, 'src'), context.filename).split(sep).join('/');
    const folder = rel.startsWith('..') ? '' : folderOf(rel);
    return { Program: (node) => (folder !== '' && !layerOf.has(folder) ? context.report({ node, messageId: 'unknown', data: { folder } }) : undefined) };
  },
};

/**
 * A package of packages/ (a built-in objective) sees sodate only as its users do: through
 * `import … from 'sodate'`, the public entry. A relative import that leaves the package (into
 * ../../src/) or a deep `sodate/…` path would tie it to the core's insides.
 */
const packageBoundaryRule = {
  meta: {
    type: 'problem',
    docs: { description: "packages/* import sodate only through its public entry, 'sodate'" },
    schema: [],
    messages: {
      outside: "{{from}} imports {{spec}}, outside its package: import sodate's public API from 'sodate' (src/index.ts exports it)",
      deep: "{{from}} imports {{spec}}: only 'sodate' itself, the public entry, is sodate's API",
    },
  },
  create(context) {
    const rel = relative(resolve(context.cwd, 'packages'), context.filename).split(sep).join('/');
    if (rel.startsWith('..')) return {};
    const packageDir = resolve(context.cwd, 'packages', rel.split('/')[0]);
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      const from = `packages/${rel}`;
      if (spec.startsWith('.')) {
        const target = relative(packageDir, resolve(dirname(context.filename), spec));
        if (target.startsWith('..')) context.report({ node, messageId: 'outside', data: { from, spec } });
      } else if (spec.startsWith('sodate/')) {
        context.report({ node, messageId: 'deep', data: { from, spec } });
      }
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

export default { rules: { imports: layersRule, 'known-folders': unknownFolderRule, 'package-boundary': packageBoundaryRule } };
