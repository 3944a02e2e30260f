export interface ClassificationMetrics {
  /** Mean −log p(true class) (plain cross-entropy: no smoothing, no weights). */
  readonly loss: number;
  readonly accuracy: number;
  /** Unweighted mean of per-class F1. */
  readonly macroF1: number;
  /** Binary tasks only. */
  readonly binary?: BinaryThresholds;
}

export interface BinaryThresholds {
  /** The threshold on p(class 1) that maximises F1 on the validation set, and what it gives. */
  readonly optimizedThreshold: number;
  readonly optimizedF1: number;
  readonly optimizedAccuracy: number;
  /** The threshold that flags the same fraction of samples as positive as the training prevalence. */
  readonly percentileThreshold: number;
  readonly percentileF1: number;
  readonly percentileAccuracy: number;
}

/** Metrics from class probabilities [N, K] (row-major) and true labels. */
export function classificationMetrics(probs: Float32Array, labels: Int32Array, numClasses: number, positiveRate?: number): ClassificationMetrics {
  const n = labels.length;
  let loss = 0;
  let correct = 0;
  const tp = new Float64Array(numClasses);
  const fp = new Float64Array(numClasses);
  const fn = new Float64Array(numClasses);
  for (let i = 0; i < n; i++) {
    const y = labels[i] as number;
    let best = 0;
    for (let k = 1; k < numClasses; k++) if ((probs[i * numClasses + k] as number) > (probs[i * numClasses + best] as number)) best = k;
    loss -= Math.log(Math.max(probs[i * numClasses + y] as number, 1e-7));
    if (best === y) {
      correct++;
      tp[y] = (tp[y] as number) + 1;
    } else {
      fp[best] = (fp[best] as number) + 1;
      fn[y] = (fn[y] as number) + 1;
    }
  }
  let f1Sum = 0;
  for (let k = 0; k < numClasses; k++) f1Sum += f1(tp[k] as number, fp[k] as number, fn[k] as number);
  const base = { loss: loss / n, accuracy: correct / n, macroF1: f1Sum / numClasses };
  if (numClasses !== 2) return base;
  const scores = Float32Array.from({ length: n }, (_, i) => probs[i * 2 + 1] as number);
  const prevalence = positiveRate ?? labels.reduce((a, b) => a + b, 0) / n;
  return { ...base, binary: binaryThresholds(scores, labels, prevalence) };
}

function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

function atThreshold(scores: Float32Array, labels: Int32Array, threshold: number): { f1: number; accuracy: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  scores.forEach((s, i) => {
    const predicted = s >= threshold ? 1 : 0;
    const y = labels[i] as number;
    if (predicted === y) correct++;
    if (predicted === 1 && y === 1) tp++;
    else if (predicted === 1) fp++;
    else if (y === 1) fn++;
  });
  return { f1: f1(tp, fp, fn), accuracy: correct / scores.length };
}

/** Binary thresholds: the F1-optimal one (scanning every distinct score) and the prevalence percentile. */
export function binaryThresholds(scores: Float32Array, labels: Int32Array, positiveRate: number): BinaryThresholds {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const positives = labels.reduce((a, b) => a + b, 0);
  // Sweep thresholds from high to low: predicting the top i as positive.
  let tp = 0;
  let fp = 0;
  let bestF1 = -1;
  let bestThreshold = 1;
  for (let i = 0; i < order.length; i++) {
    const idx = order[i] as number;
    if (labels[idx] === 1) tp++;
    else fp++;
    const next = order[i + 1];
    if (next !== undefined && scores[next] === scores[idx]) continue;
    const value = f1(tp, fp, positives - tp);
    if (value > bestF1) {
      bestF1 = value;
      bestThreshold = scores[idx] as number;
    }
  }
  const optimized = atThreshold(scores, labels, bestThreshold);
  const sorted = Float32Array.from(scores).sort();
  const q = Math.min(sorted.length - 1, Math.max(0, Math.floor((1 - positiveRate) * sorted.length)));
  const percentileThreshold = sorted[q] as number;
  const percentile = atThreshold(scores, labels, percentileThreshold);
  return {
    optimizedThreshold: bestThreshold,
    optimizedF1: optimized.f1,
    optimizedAccuracy: optimized.accuracy,
    percentileThreshold,
    percentileF1: percentile.f1,
    percentileAccuracy: percentile.accuracy,
  };
}
