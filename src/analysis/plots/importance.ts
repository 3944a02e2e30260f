import type { ImportanceResult } from '../importance/types.js';
import type { ImportancePlot } from './types.js';

export function importancePlot(result: ImportanceResult): ImportancePlot {
  return {
    kind: 'importance',
    title: `Parameter importance (${result.method === 'fanova' ? 'fANOVA' : 'PED-ANOVA'})`,
    method: result.method,
    bars: result.importances.map((p) => ({ name: p.name, importance: p.importance })),
    shown: result.nTrials,
    total: result.nTrials,
  };
}
