#!/usr/bin/env node
// The `keyturn` command (package.json "bin"): runs the TypeScript CLI through tsx, so it works in a clone without a build.
'use strict';
require('tsx/cjs');
require('../cli/main.ts');
