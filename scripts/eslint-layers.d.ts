import type { ESLint } from 'eslint';

/** Folders of src/ by layer, lowest first. */
export declare const LAYERS: readonly (readonly string[])[];
/** Imports allowed to break the order, by file, each with why (none today). */
export declare const KNOWN_EXCEPTIONS: readonly { readonly from: RegExp; readonly to: string; readonly why: string }[];
declare const plugin: ESLint.Plugin;
export default plugin;
