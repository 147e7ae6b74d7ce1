/// This release's version: `latchkey --version`, the start-up line, the release tarball's name.
public let latchkeyVersion = "0.9.0"
