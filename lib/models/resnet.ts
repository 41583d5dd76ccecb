// Family file: registers its variants with registerModel (see registry.ts).
export {};
