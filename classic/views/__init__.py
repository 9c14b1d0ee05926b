"""Classic views: translation only. Each parses the classic app's body, calls the same service or
selector as the matching /api/ view, and answers in the classic shape."""
