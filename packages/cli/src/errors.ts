import { EchoError } from '@echodb/feed-store'

/** Exit codes of the `echodb` command. */
export const EXIT_OK = 0
/** Bad usage or bad input from the person: unknown command or option, malformed key=value, unknown party, ... */
export const EXIT_USAGE = 1
/** The command was right but could not be carried out: unreachable peer, expired invitation, storage failure. */
export const EXIT_FAILURE = 2
/** Stopped by SIGINT/SIGTERM before it finished (watch and dht end this way normally and exit 0 instead). */
export const EXIT_INTERRUPTED = 130

/** An error the CLI reports as one line (`echodb: <message>`) and an exit code. */
export class CliError extends EchoError {
  readonly exitCode: number

  constructor (code: string, message: string, exitCode: number = EXIT_USAGE, options?: { cause?: unknown }) {
    super(code, message, options)
    this.exitCode = exitCode
  }
}

/** The command line itself is wrong (unknown command or option, missing argument). */
export class UsageError extends CliError {
  constructor (message: string) {
    super('USAGE', message, EXIT_USAGE)
  }
}
