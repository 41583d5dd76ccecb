// Filled by the repro work; see lib/index.ts.
export {};
