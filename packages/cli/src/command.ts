import type { CliIo } from './io'
import type { OptionName, OptionValues } from './options'
import { resolveHome } from './profile'

/** What a command gets: its arguments, options and where to write. */
export class Context {
  constructor (
    readonly io: CliIo,
    readonly options: OptionValues,
    /** Positional arguments after the command's words. */
    readonly args: readonly string[]
  ) {}

  get json (): boolean {
    return this.options.json === true
  }

  get signal (): AbortSignal | undefined {
    return this.io.signal
  }

  /** The profile directory (`--home`, ECHODB_HOME, `~/.echodb`). */
  get home (): string {
    return resolveHome(this.options.home, this.io)
  }

  /** A result line on stdout. */
  out (text: string): void {
    this.io.stdout.write(text + '\n')
  }

  /** A result as one line of JSON on stdout. */
  outJson (value: unknown): void {
    this.io.stdout.write(JSON.stringify(value) + '\n')
  }

  /** A status line for the person on stderr (progress, prompts, warnings): never part of a command's result. */
  status (text: string): void {
    this.io.stderr.write(text + '\n')
  }
}

export interface Command {
  /** The words that name it: ['party', 'create']. */
  readonly words: readonly string[]
  /** Arguments and options, as shown in help: '<party> [--type T]'. */
  readonly usage: string
  readonly summary: string
  /** Options it accepts besides --home, --json and --help. */
  readonly options: readonly OptionName[]
  /** How many positional arguments it takes. */
  readonly args: { readonly min: number, readonly max: number }
  /** Returns the exit code (0 when it returns nothing). Throws CliError (or any error) to fail. */
  run (ctx: Context): Promise<number | undefined>
}
