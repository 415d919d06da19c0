// Public API of @echodb/cli (filled in by its issue).
export {}
