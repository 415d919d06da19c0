// Public API of @echodb/echo-db (filled in by its issue).
export {}
