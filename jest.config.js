/** Tests run from TypeScript sources; `npm run typecheck` type-checks them, so ts-jest only transpiles. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/bench/src', '<rootDir>/demo/src'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: {
    '^@echodb/feed-store/testing$': '<rootDir>/packages/feed-store/src/test-fixtures/byte-edits.ts',
    '^@echodb/proto$': '<rootDir>/proto/gen/messages.js',
    '^@echodb/(feed-store|credentials|models|echo-db|cli)$': '<rootDir>/packages/$1/src/index.ts'
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js']
}
