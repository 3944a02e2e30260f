import { IMAGE_MEASURES } from './image-classifier/measures.js';

export interface BuiltinObjectiveEntry {
  /** The module, relative to this folder, without extension: loaded inside the slot that runs it. */
  readonly module: string;
  /** Its export `(options, study) => Objective`. */
  readonly factory: string;
  /** What it can report as an objective or a constraint value: a space file naming anything else is refused. */
  readonly measures: readonly string[];
}

/**
 * Built-in objectives. What is here is read in the loop (the space-file check), so it must
 * not load a trainer's framework; a new built-in is one entry here.
 */
export const BUILTIN_OBJECTIVES: Readonly<Record<string, BuiltinObjectiveEntry>> = {
  'image-classifier': { module: './image-classifier/index', factory: 'createObjective', measures: IMAGE_MEASURES },
};
