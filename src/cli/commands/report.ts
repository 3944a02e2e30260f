import { OwnerCheck, ownerOf } from '../../artifacts/index.js';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildReport, renderReportHtml, renderSvg, svgToPng } from '../../analysis/index.js';
import type { ReportData } from '../../analysis/index.js';
import { stageInputsOf } from '../../analysis/stages.js';
import { NotFoundError, UsageError, errorMessage } from '../../errors.js';
import { checkStudyName } from '../../storage/url.js';
import { choiceFlag, integerFlag, parseCommandArgs } from '../args.js';
import type { CliIo } from '../io.js';
import { println } from '../io.js';
import { existingStorageUrlFor, openExistingStorage } from '../open-study-storage.js';
import { stageLineageOf, stageStudiesOf } from '../../study/stage-lineage.js';
import { allTrialsOf } from './trials.js';

export const REPORT_HELP = `usage: sodate report <study> [--storage URL] [-o FILE] [--png-dir DIR] [--svg-dir DIR]
                     [--importance ped-anova|fanova] [--seed N]

Write one self-contained HTML file (no network needed to open it) with the optimization
history, parameter importance, intermediate values, parallel coordinates, a contour of
the two most important parameters, slices, a timeline per slot/device, the best trials
and the study's configuration. A study of several objectives also gets its Pareto front
(the first two objectives; infeasible trials apart) and the hypervolume history of its
feasible front, and lists the front instead of the best trials. A stage of a staged
study (<study>.<stage>) also gets the stages side by side; <study> alone reports its
latest stage. Default file: <study>-report.html.
  --png-dir DIR   also write each plot as DIR/<plot>.png
  --svg-dir DIR   also write each plot as DIR/<plot>.svg
`;

/**
 * Refuses, before the study is read, a report file that cannot be written where it is asked
 * for: its folder missing, or the path a folder itself.
 */
function checkOutputFile(given: string, output: string, name: string): void {
  // `-o out/`: a folder meant, which resolve() would turn into a file named `out`.
  if (/[\\/]$/.test(given)) throw new UsageError(`sodate report: -o ${given} names a folder; give a file name, e.g. -o ${join(given, `${name}-report.html`)}`);
  if (!existsSync(dirname(output))) throw new UsageError(`sodate report: -o ${output}: the folder ${dirname(output)} does not exist; create it, or write the report elsewhere`);
  if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`sodate report: -o ${output} is a folder; give a file name, e.g. -o ${join(output, `${name}-report.html`)}`);
}

/** Writes one file of the report; a failure (no permission, a full disk) is one line naming the file. */
function writeReportFile(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new UsageError(`sodate report: cannot write ${path} (${errorMessage(error)}); give a path that can be written`);
  }
}

export async function reportCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { positionals, values } = parseCommandArgs(
    'report',
    argv,
    { storage: { type: 'string' }, output: { type: 'string', short: 'o' }, 'png-dir': { type: 'string' }, 'svg-dir': { type: 'string' }, importance: { type: 'string' }, seed: { type: 'string' } },
    { min: 1, max: 1, names: 'a study name' },
  );
  if (values['help']) {
    io.out.write(REPORT_HELP);
    return 0;
  }
  const name = positionals[0] as string;
  const importance = choiceFlag('report', 'importance', values['importance'], ['ped-anova', 'fanova'] as const, 'ped-anova');
  const seed = integerFlag('report', 'seed', values['seed']) ?? 0;
  const output = resolve(io.cwd, typeof values['output'] === 'string' ? values['output'] : `${name}-report.html`);
  checkStudyName(name);
  checkOutputFile(typeof values['output'] === 'string' ? values['output'] : output, output, name);
  const url = existingStorageUrlFor(name, values['storage'], io);
  const storage = await openExistingStorage(url, io, `sodate report ${name}`);
  let report: ReportData;
  try {
    const named = await storage.loadStudy(name);
    const lineage = stageLineageOf(named);
    // A stage's study, or a staged study's own name (no study of that name, only its stages'): the stages side by side.
    const stages = named === null || lineage !== undefined ? await stageStudiesOf(storage, lineage?.of ?? name) : [];
    const study = named ?? stages.at(-1)?.record;
    if (study === undefined) throw new NotFoundError(`sodate report: no study named "${name}" in ${storage.url}; list studies with \`sodate studies\``);
    if (named === null) println(io.err, `sodate report: "${name}" is a staged study; reporting its latest stage, ${study.name}`);
    const stageInputs = await stageInputsOf(storage, stages);
    report = buildReport(study, await allTrialsOf(storage, study.id), { importance, seed, linksFrom: dirname(output), owners: new OwnerCheck(ownerOf(study, storage.url)), ...(stageInputs.length === 0 ? {} : { stages: stageInputs }) });
  } finally {
    await storage.close();
  }
  writeReportFile(output, renderReportHtml(report));
  println(io.out, `wrote ${output}`);
  for (const [flag, ext] of [['svg-dir', 'svg'], ['png-dir', 'png']] as const) {
    const dir = values[flag];
    if (typeof dir !== 'string') continue;
    const folder = resolve(io.cwd, dir);
    try {
      mkdirSync(folder, { recursive: true });
    } catch (error) {
      throw new UsageError(`sodate report: --${flag} ${folder}: cannot create the folder (${errorMessage(error)}); give a folder that can be written`);
    }
    for (const plot of report.plots) {
      const svg = renderSvg(plot);
      writeReportFile(join(folder, `${plot.kind}.${ext}`), ext === 'svg' ? svg : await svgToPng(svg));
    }
    println(io.out, `wrote ${report.plots.length} ${ext.toUpperCase()} files to ${folder}`);
  }
  for (const note of report.notes) println(io.err, `sodate report: ${note}`);
  return 0;
}
