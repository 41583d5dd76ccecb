// Filled by the viz work; see lib/index.ts.
export {};
