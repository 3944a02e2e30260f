import { readFileSync } from 'node:fs';
import type { JsonValue } from 'sodate';
import { writeFileAtomic } from './atomic-file.js';
import type { TrainerState } from './trainer.js';

/**
 * A training checkpoint in one file: "SODATECK", a uint32 (little-endian) length, a JSON
 * header (the caller's `meta`, the scalars of the trainer's state, and the name, type and
 * length of every array), then the arrays' bytes, each 4-byte aligned, in the header's order.
 * One file so that `trial.saveCheckpoint` can name it; raw floats so that a resumed run
 * continues bit for bit.
 */
const MAGIC = 'SODATECK';
const FORMAT = 1;

type NumericArray = Float32Array | Int32Array;

interface Header {
  readonly format: number;
  readonly meta: JsonValue;
  readonly trainer: { epoch: number; step: number; rng: number; trainSecondsSoFar: number; inferenceMs: number | null; optimizerSteps: number; emaUpdates: number | null };
  readonly arrays: { name: string; dtype: 'float32' | 'int32'; length: number }[];
}

/** What a checkpoint holds: the trainer's state, and what its caller kept beside it. */
export interface Checkpoint {
  readonly meta: JsonValue;
  readonly state: TrainerState;
}

/** Arrays by name: `order`, `model/<name>`, `optimizer/<buffer>:<name>`, `ema/<name>`. */
function arraysOf(state: TrainerState): Map<string, NumericArray> {
  const arrays = new Map<string, NumericArray>([['order', state.order]]);
  for (const [name, values] of state.model) arrays.set(`model/${name}`, values);
  for (const [name, values] of state.optimizer.buffers) arrays.set(`optimizer/${name}`, values);
  if (state.ema !== null) for (const [name, values] of state.ema.shadow) arrays.set(`ema/${name}`, values);
  return arrays;
}

export function writeCheckpoint(path: string, checkpoint: Checkpoint): void {
  const { state } = checkpoint;
  const arrays = arraysOf(state);
  const header: Header = {
    format: FORMAT,
    meta: checkpoint.meta,
    trainer: {
      epoch: state.epoch,
      step: state.step,
      rng: state.rng,
      trainSecondsSoFar: state.trainSecondsSoFar,
      inferenceMs: state.inferenceMs ?? null,
      optimizerSteps: state.optimizer.steps,
      emaUpdates: state.ema?.updates ?? null,
    },
    arrays: [...arrays].map(([name, values]) => ({ name, dtype: values instanceof Int32Array ? 'int32' : 'float32', length: values.length })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = align(MAGIC.length + 4 + json.length);
  let size = start;
  for (const values of arrays.values()) size += values.byteLength;
  const out = Buffer.alloc(size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let offset = start;
  for (const values of arrays.values()) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), offset);
    offset += values.byteLength;
  }
  writeFileAtomic(path, out);
}

export function readCheckpoint(path: string): Checkpoint {
  const bytes = readFileSync(path);
  const bad = (why: string) => new Error(`checkpoint ${path} ${why}`);
  if (bytes.length < MAGIC.length + 4 || bytes.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('is not a sodate image-classifier checkpoint');
  const length = bytes.readUInt32LE(MAGIC.length);
  const header = JSON.parse(bytes.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + length)) as Header;
  if (header.format !== FORMAT) throw bad(`has format ${header.format}; this trainer reads format ${FORMAT}`);
  const arrays = new Map<string, NumericArray>();
  let offset = align(MAGIC.length + 4 + length);
  for (const { name, dtype, length: count } of header.arrays) {
    const end = offset + count * 4;
    if (end > bytes.length) throw bad(`ends inside ${name}`);
    // A copy: the file's bytes need not be 4-byte aligned in memory.
    const copy = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + end) as ArrayBuffer;
    arrays.set(name, dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy));
    offset = end;
  }
  const group = (prefix: string): Map<string, Float32Array> => {
    const out = new Map<string, Float32Array>();
    for (const [name, values] of arrays) if (name.startsWith(prefix) && values instanceof Float32Array) out.set(name.slice(prefix.length), values);
    return out;
  };
  const order = arrays.get('order');
  if (!(order instanceof Int32Array)) throw bad('holds no data order');
  const t = header.trainer;
  return {
    meta: header.meta,
    state: {
      epoch: t.epoch,
      step: t.step,
      rng: t.rng,
      order,
      trainSecondsSoFar: t.trainSecondsSoFar,
      inferenceMs: t.inferenceMs ?? undefined,
      model: group('model/'),
      optimizer: { steps: t.optimizerSteps, buffers: group('optimizer/') },
      ema: t.emaUpdates === null ? null : { updates: t.emaUpdates, shadow: group('ema/') },
    },
  };
}

function align(n: number): number {
  return Math.ceil(n / 4) * 4;
}
