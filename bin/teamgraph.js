#!/usr/bin/env node
// Runs the compiled CLI (`npm run build` first; `npm run backup -- …` builds and runs it).
require('../dist/src/cli/teamgraph.js').main();
