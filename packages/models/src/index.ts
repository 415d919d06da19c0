// Public API of @echodb/models (filled in by its issue).
export {}
