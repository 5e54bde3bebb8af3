// Bundled on its own beside the function's index.js (see infra/constructs/bundling-options.ts: lazyModules).
export * from '@aws-sdk/client-cloudwatch';
