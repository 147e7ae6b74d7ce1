import ArgumentParser

/// Finds a mistyped command word (`latchkey clinets list`) before the parser reads it as the
/// default command's arguments, and names the nearest command.
enum CommandSuggestion {
    /// The message for the first word that names no command where one is expected, or nil.
    static func mistake(in arguments: [String], root: any ParsableCommand.Type) -> String? {
        var command = root
        var path = [root.configuration.commandName ?? "latchkey"]
        for word in arguments {
            let subcommands = command.configuration.subcommands
            guard !subcommands.isEmpty, !word.hasPrefix("-"), word != "help" else { return nil }
            let names = subcommands.map { $0.configuration.commandName ?? $0._commandName }
            guard let index = names.firstIndex(of: word) else {
                let nearest = names.min { distance(word, $0) < distance(word, $1) }
                let hint = nearest.map { distance(word, $0) <= max(2, word.count / 3) ? " Did you mean '\($0)'?" : "" } ?? ""
                return "'\(word)' is not a command of \(path.joined(separator: " ")).\(hint) Commands: \(names.joined(separator: ", "))."
            }
            command = subcommands[index]
            path.append(word)
        }
        return nil
    }

    /// Levenshtein distance: insertions, deletions and substitutions.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
