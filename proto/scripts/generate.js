#!/usr/bin/env node
// Generates static protobufjs code (gen/messages.js) and its types (gen/messages.d.ts) from every
// .proto file under proto/schema. Generated files are build output: never edit them by hand.
// Skips the work when the output is newer than every schema.
'use strict'
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')

const root = path.resolve(__dirname, '..')
const schemaDir = path.join(root, 'schema')
const outDir = path.join(root, 'gen')
const outJs = path.join(outDir, 'messages.js')
const outDts = path.join(outDir, 'messages.d.ts')

function listProtos (dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return listProtos(full)
    return entry.name.endsWith('.proto') ? [full] : []
  }).sort()
}

function mtime (file) {
  try { return fs.statSync(file).mtimeMs } catch { return 0 }
}

const protos = listProtos(schemaDir)
const newestInput = Math.max(mtime(__filename), ...protos.map(mtime))
if (mtime(outJs) > newestInput && mtime(outDts) > newestInput && !process.argv.includes('--force')) {
  process.exit(0)
}

fs.mkdirSync(outDir, { recursive: true })
const bin = (name) => require.resolve(`protobufjs-cli/bin/${name}`)
execFileSync(process.execPath, [
  bin('pbjs'), '-t', 'static-module', '-w', 'commonjs', '--force-number', '--no-verify',
  '-p', schemaDir, '-o', outJs, ...protos
], { stdio: 'inherit' })
execFileSync(process.execPath, [bin('pbts'), '-o', outDts, outJs], { stdio: 'inherit' })
console.log(`proto: generated ${path.relative(process.cwd(), outJs)} from ${protos.length} schema files`)
