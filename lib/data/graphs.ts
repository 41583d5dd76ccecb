// Graph datasets (karate club, citation-like SBM graph, graph classification); see lib/data/index.ts.
export {};
