// Child process of the crash test: creates feeds and appends to them, printing every acknowledged step, until
// the parent kills it with SIGKILL. Runs the TypeScript sources through typescript's transpiler.
'use strict'
const fs = require('fs')
const ts = require('typescript')
require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8')
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }
  })
  module._compile(outputText, filename)
}
const { FeedStore } = require('../feed-store.ts')

async function main () {
  const store = await FeedStore.open(process.argv[2])
  for (let i = 0; ; i++) {
    const feed = await store.createFeed()
    await feed.core.append(Buffer.from(`block ${i}`))
    process.stdout.write(`${feed.id} ${i}\n`)
  }
}
main().catch((err) => { console.error(err); process.exit(1) })
