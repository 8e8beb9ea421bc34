/**
 * The domain: the words every layer speaks (release, slot, step, routing,
 * gate, status, outcome, port claims). Pure data types, importing nothing of
 * the project: every other folder may depend on it, it depends on none.
 */
export * from './host';
export * from './observed';
export * from './plan';
export * from './release';
export * from './routing';
export * from './status';
