/// Where in the object a value being built right now will land, read off the unpickling stack.
///
/// Used only to make refusals point at a key (e.g. `hyper_parameters.callback`): dicts being filled sit on
/// the stack with their pending keys above them, lists with their pending items. It is a best effort; the
/// byte offset is always exact.
struct PicklePathGuess {
    let path: String?

    init(_ graph: PickleGraph, _ stack: [Int], _ marks: [Int]) {
        var components: [String] = []
        let markSet = Set(marks)
        for position in stack.indices {
            guard let container = graph.container(stack[position]) else { continue }
            let start = position + 1
            // Marks are stack heights in increasing order: binary-search the first one above `start`.
            var low = 0, high = marks.count
            while low < high {
                let middle = (low + high) / 2
                if marks[middle] > start { high = middle } else { low = middle + 1 }
            }
            let segmentEnd = low < marks.count ? marks[low] : stack.count
            let nestedOpen = segmentEnd < stack.count
            if markSet.contains(start) {
                // A SETITEMS/APPENDS batch is open above this container.
                let batch = stack[start..<segmentEnd]
                if container.acceptsPairs {
                    let keyIndex = batch.count % 2 == 1 ? batch.count - 1 : (nestedOpen ? batch.count - 2 : nil)
                    if let keyIndex, keyIndex >= 0, let key = PicklePathGuess.render(graph, batch[batch.startIndex + keyIndex]) {
                        components.append(key)
                    }
                } else if container.acceptsItems {
                    components.append(String(container.items.count + batch.count - (nestedOpen ? 1 : 0)))
                }
            } else if container.acceptsPairs, start < stack.count, start + 1 == stack.count || markSet.contains(start + 1),
                      !PicklePathGuess.isInPairBatch(position, graph, stack, marks),
                      let key = PicklePathGuess.render(graph, stack[start]) {
                // SETITEM: the key sits right above the dict and the value is being built. Inside a SETITEMS
                // batch the same layout means the batch's own pending key, which the batch rule already took.
                components.append(key)
            }
        }
        path = components.isEmpty ? nil : components.joined(separator: ".")
    }

    private static func isInPairBatch(_ position: Int, _ graph: PickleGraph, _ stack: [Int], _ marks: [Int]) -> Bool {
        guard let mark = marks.last(where: { $0 <= position }), mark > 0 else { return false }
        return graph.container(stack[mark - 1])?.acceptsPairs ?? false
    }

    private static func render(_ graph: PickleGraph, _ ref: Int) -> String? {
        switch graph[ref] {
        case let .value(.string(text)): return text
        case let .value(.int(number)): return String(number)
        default: return nil
        }
    }
}
