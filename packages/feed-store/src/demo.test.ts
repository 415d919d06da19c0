import { existsSync } from 'fs'
import { runDemo } from './demo'

test('the demo replicates what alice wrote to bob and cleans up', async () => {
  const lines: string[] = []
  const { read, directories } = await runDemo((line) => lines.push(line))
  expect(read).toEqual(['hello from alice', 'one', 'two', 'three', 'written while bob was reading'])
  expect(lines.join('\n')).toMatch(/read 5 messages in 3 blocks/)
  expect(directories).toHaveLength(2)
  for (const dir of directories) expect(existsSync(dir)).toBe(false)
})
