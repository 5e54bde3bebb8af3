// Bundled on its own beside the function's index.js (see infra/constructs/bundling-options.ts: lazyModules).
// mysql2 is CommonJS: its exports are named here, so that Node's import() of the bundle finds them
// (an `export *` of CommonJS cannot be seen by Node's static analysis of the bundle).
export { createConnection } from 'mysql2/promise';
