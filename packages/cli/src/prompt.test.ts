import { PassThrough } from 'stream'
import { Capture } from './test-fixtures/harness'
import { readSecret } from './prompt'

function io (stdin: PassThrough & { isTTY?: boolean, setRawMode?: (mode: boolean) => unknown }): { stdin: typeof stdin, stdout: Capture, stderr: Capture, env: {} } {
  return { stdin, stdout: new Capture(), stderr: new Capture(), env: {} }
}

test('without a TTY the secret is the first line of stdin', async () => {
  const stdin = new PassThrough()
  stdin.end('123456\nsomething else\n')
  await expect(readSecret(io(stdin), 'Secret: ')).resolves.toBe('123456')
  const empty = new PassThrough()
  empty.end()
  await expect(readSecret(io(empty), 'Secret: ')).resolves.toBeUndefined()
  const noNewline = new PassThrough()
  noNewline.end('654321')
  await expect(readSecret(io(noNewline), 'Secret: ')).resolves.toBe('654321')
})

test('on a TTY it prompts on stderr, reads raw without echo, honours backspace, restores the mode', async () => {
  const modes: boolean[] = []
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (mode: boolean) => { modes.push(mode) } })
  const streams = io(stdin)
  const reading = readSecret(streams, 'Secret: ')
  stdin.write('12x\u007f34')
  stdin.write('\r')
  await expect(reading).resolves.toBe('1234')
  expect(streams.stderr.text).toBe('Secret: \n')
  expect(streams.stdout.text).toBe('')
  expect(modes).toEqual([true, false])
})

test('Ctrl-C at the prompt interrupts', async () => {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} })
  const reading = readSecret(io(stdin), 'Secret: ')
  stdin.write('12\u0003')
  await expect(reading).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 })
})
