import type { PlotData } from '../../plots/types.js';
import { contourSvg } from './contour.js';
import { historySvg, intermediateSvg } from './history.js';
import { importanceSvg } from './importance.js';
import { parallelSvg } from './parallel.js';
import { hypervolumeSvg, paretoSvg } from './pareto.js';
import { sliceSvg } from './slice.js';
import { timelineSvg } from './timeline.js';

/** Draw any plot's data as a standalone SVG document (a string; no DOM involved). */
export function renderSvg(plot: PlotData): string {
  switch (plot.kind) {
    case 'history':
      return historySvg(plot);
    case 'intermediate':
      return intermediateSvg(plot);
    case 'parallel':
      return parallelSvg(plot);
    case 'slice':
      return sliceSvg(plot);
    case 'contour':
      return contourSvg(plot);
    case 'importance':
      return importanceSvg(plot);
    case 'timeline':
      return timelineSvg(plot);
    case 'pareto':
      return paretoSvg(plot);
    case 'hypervolume':
      return hypervolumeSvg(plot);
  }
}

export { contourSvg, historySvg, hypervolumeSvg, importanceSvg, intermediateSvg, parallelSvg, paretoSvg, sliceSvg, timelineSvg };
