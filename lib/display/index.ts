// Filled by the display work; see lib/index.ts.
export {};
