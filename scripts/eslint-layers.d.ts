import type { ESLint } from 'eslint';

/** Folders of src/ by layer, lowest first. */
export declare const LAYERS: readonly (readonly string[])[];
/** Imports that break the order today, by file, with what would remove each. */
export declare const KNOWN_EXCEPTIONS: readonly { readonly from: RegExp; readonly to: string; readonly why: string }[];
declare const plugin: ESLint.Plugin;
export default plugin;
