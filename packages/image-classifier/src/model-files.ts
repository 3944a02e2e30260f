import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from './atomic-file.js';
// Registers the GeM pooling layer, which a model trained with `pool: gem` holds.
import './export.js';

/** The files a saved model is: the topology and manifest, and the weights it names. */
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/**
 * Save `model` into `dir` as `model.json` + `weights.bin`, the layout tfjs-node's `file://`
 * writes, through a save handler of our own so that it works on every backend (pure tfjs
 * has no `file://`). `metadata` goes into model.json's `userDefinedMetadata`.
 */
export async function saveModelFiles(model: tf.LayersModel, dir: string, metadata: Record<string, unknown>): Promise<void> {
  mkdirSync(dir, { recursive: true });
  model.setUserDefinedMetadata(metadata as Record<string, never>);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      writeFileAtomic(join(dir, WEIGHTS_FILE), new Uint8Array(weights));
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }],
        userDefinedMetadata: artifacts.userDefinedMetadata,
      };
      // model.json last: once it is there, the weights it names are complete.
      writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}

/**
 * Load a model saved by the trainer (a trial's directory, or `fold-<k>/` in it) on any
 * backend; with tfjs-node, `tf.loadLayersModel('file://…/model.json')` reads the same files.
 */
export async function loadModelFiles(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, MODEL_FILE), 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers = manifest.flatMap((group) => group.paths.map((path) => readFileSync(join(dir, path))));
    const weights = Buffer.concat(buffers);
    return [tf.io.getWeightSpecs(manifest), weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer];
  });
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
