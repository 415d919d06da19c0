import { parseArgs } from 'util'
import debug from 'debug'
import { Context, type Command } from './command'
import { dht } from './commands/dht'
import { admit, invite, join } from './commands/invite'
import { get, itemCreate, list, set } from './commands/items'
import { partyClose, partyCreate, partyList, partyMembers, partyRemove } from './commands/party'
import { init, whoami } from './commands/profile'
import { syncCommand, watch } from './commands/watch'
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors'
import { debugWanted, type CliIo } from './io'
import { describeJoinFailure } from './network'
import { OPTIONS, type OptionName, type OptionValues } from './options'

const log = debug('echo:cli:run')

/** Every command, in the order help lists them. */
export const COMMANDS: readonly Command[] = [
  init, whoami, partyCreate, partyList, partyMembers, partyRemove, partyClose, invite, join, admit, itemCreate, set, get, list, watch, syncCommand, dht
]

/** Options every command takes. */
const GLOBAL_OPTIONS: readonly OptionName[] = ['home', 'json', 'help']

const VERSION = '0.1.0'

/**
 * Runs one `echodb` command line (without the program name) against `io`; resolves with the exit code. Never
 * throws: every failure is one line on stderr (`echodb: <message>`), with a stack only when DEBUG=echo:*.
 */
export async function run (argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (err) {
    return report(err, io)
  }
}

async function dispatch (argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(argv)
  if (values.version === true) {
    io.stdout.write(`echodb ${VERSION}\n`)
    return EXIT_OK
  }
  if (positionals.length === 0 || positionals[0] === 'help') {
    const topic = positionals.slice(1)
    if (topic.length > 0) {
      const command = findCommand(topic)
      io.stdout.write(commandHelp(command.command) + '\n')
      return EXIT_OK
    }
    const wanted = values.help === true || positionals[0] === 'help'
    ;(wanted ? io.stdout : io.stderr).write(help())
    return wanted ? EXIT_OK : EXIT_USAGE
  }
  const { command, args } = findCommand(positionals)
  if (values.help === true) {
    io.stdout.write(commandHelp(command) + '\n')
    return EXIT_OK
  }
  const name = command.words.join(' ')
  for (const option of Object.keys(values) as OptionName[]) {
    if (option !== 'version' && !GLOBAL_OPTIONS.includes(option) && !command.options.includes(option)) {
      throw new UsageError(`${name} does not take --${option} (usage: echodb ${name} ${command.usage})`.trimEnd())
    }
  }
  if (args.length < command.args.min || args.length > command.args.max) {
    const problem = args.length < command.args.min ? 'missing arguments' : `unexpected argument ${JSON.stringify(args[command.args.max])}`
    throw new UsageError(`${name}: ${problem} (usage: echodb ${name} ${command.usage})`.trimEnd())
  }
  log('running %s %o', name, args)
  return (await command.run(new Context(io, values, args))) ?? EXIT_OK
}

function parse (argv: readonly string[]): { values: OptionValues, positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true })
    return { values: values as OptionValues, positionals }
  } catch (err) {
    const code = (err as { code?: string }).code
    const message = (err as Error).message
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message
      throw new UsageError(`unknown option ${option} (echodb help lists the commands and their options)`)
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /'(-[^' ]+)/.exec(message)?.[1]
      throw new UsageError(option === undefined ? message : `${option} needs a value${/ambiguous/.test(message) ? ` (write ${option}=VALUE for a value starting with -)` : ''}`)
    }
    throw new UsageError(message)
  }
}

function findCommand (positionals: readonly string[]): { command: Command, args: string[] } {
  for (const command of COMMANDS) {
    if (command.words.every((word, i) => positionals[i] === word)) {
      return { command, args: positionals.slice(command.words.length) }
    }
  }
  const group = COMMANDS.filter((command) => command.words.length > 1 && command.words[0] === positionals[0])
  if (group.length > 0) {
    const subcommands = group.map((command) => command.words[1]).join(', ')
    throw new UsageError(positionals.length === 1
      ? `${positionals[0]} needs a subcommand: ${subcommands}`
      : `unknown command "${positionals[0]} ${positionals[1]}" (${positionals[0]} has ${subcommands})`)
  }
  throw new UsageError(`unknown command ${JSON.stringify(positionals[0])} (echodb help lists the commands)`)
}

function commandHelp (command: Command): string {
  return `echodb ${command.words.join(' ')} ${command.usage}`.trimEnd() + `\n  ${command.summary}`
}

/** The overall help text. */
export function help (): string {
  const lines = [
    'usage: echodb <command> [arguments] [--home DIR] [--json]',
    '',
    'commands:'
  ]
  const width = Math.max(...COMMANDS.map((command) => `${command.words.join(' ')} ${command.usage}`.length))
  for (const command of COMMANDS) {
    lines.push(`  ${`${command.words.join(' ')} ${command.usage}`.padEnd(width)}  ${command.summary}`)
  }
  lines.push(
    '',
    'Parties and items are named by their hex id or any unique prefix of it.',
    'Values are JSON where they parse as JSON (n=3, ok=true, tags=["a"]), else strings (name=Ada).',
    'Networked commands (invite, join, watch, sync, dht, and any with --sync) take --bootstrap host:port[,host:port]',
    '(else ECHODB_BOOTSTRAP, else the public DHT) and --host ADDRESS to bind.',
    'Profile: --home DIR, else ECHODB_HOME, else ~/.echodb.   Errors exit 1 (usage, bad input) or 2 (failure).',
    ''
  )
  return lines.join('\n')
}

/** Error codes of echo-db and models that mean the person asked for something wrong, not that ECHO failed. */
const USER_ERROR_CODES = new Set([
  'INVALID_ARGUMENT', 'NOT_A_WRITER', 'NOT_AN_ADMIN', 'NOT_A_MEMBER', 'ITEM_DORMANT', 'UNKNOWN_MODEL', 'PARTY_EXISTS', 'READ_ONLY'
])

function report (err: unknown, io: CliIo): number {
  let message: string
  let exitCode: number
  const joinFailure = describeJoinFailure(err)
  if (err instanceof CliError) {
    message = err.message
    exitCode = err.exitCode
  } else if (joinFailure !== undefined) {
    ({ message, exitCode } = joinFailure)
  } else if (err instanceof Error) {
    message = err.message
    const code = (err as { code?: unknown }).code
    exitCode = typeof code === 'string' && USER_ERROR_CODES.has(code) ? EXIT_USAGE : EXIT_FAILURE
  } else {
    message = String(err)
    exitCode = EXIT_FAILURE
  }
  io.stderr.write(`echodb: ${message.split('\n')[0]}\n`)
  if (debugWanted(io.env) && err instanceof Error && err.stack !== undefined) io.stderr.write(err.stack + '\n')
  return exitCode
}
