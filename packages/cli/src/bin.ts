#!/usr/bin/env node
import { run } from './run'

// SIGINT/SIGTERM ask the running command to stop and close cleanly; a second signal exits at once.
const controller = new AbortController()
let signals = 0
const onSignal = (): void => {
  if (++signals > 1) process.exit(130)
  controller.abort()
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

run(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal
}).then((code) => {
  process.exitCode = code
  process.off('SIGINT', onSignal)
  process.off('SIGTERM', onSignal)
  exitSoon()
}, (err) => {
  process.stderr.write(`echodb: ${String(err)}\n`)
  process.exitCode = 2
  exitSoon()
})

// The command has closed everything it opened; if a library still holds a handle (a socket in its lingering
// close), do not let it keep a finished command alive.
function exitSoon (): void {
  setTimeout(() => process.exit(), 2000).unref()
}
