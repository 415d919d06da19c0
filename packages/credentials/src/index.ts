// Public API of @echodb/credentials (filled in by its issue).
export {}
