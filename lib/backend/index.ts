// Filled by the backend work; see lib/index.ts.
export {};
