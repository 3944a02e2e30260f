import type { PlotData } from '../../plots/types.js';
import { contourSvg } from './contour.js';
import { historySvg, intermediateSvg } from './history.js';
import { importanceSvg } from './importance.js';
import { parallelSvg } from './parallel.js';
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
  }
}

export { contourSvg, historySvg, importanceSvg, intermediateSvg, parallelSvg, sliceSvg, timelineSvg };
