/** A value that survives JSON.stringify/parse unchanged: what attributes may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
