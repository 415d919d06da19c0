#!/usr/bin/env node
'use strict'
// The command is compiled into dist/ (npm run build). This launcher is committed so that npm links `echodb`
// into node_modules/.bin at install time, before anything is built (npm skips bins whose file is missing).
let entry
try {
  entry = require.resolve('../dist/src/bin.js')
} catch {
  process.stderr.write('echodb: the command is not built yet: run "npm run build" first\n')
  process.exit(2)
}
require(entry)
