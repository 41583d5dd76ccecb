// Filled by the models work; see lib/index.ts.
export {};
