/// The mutable object graph the pickle machine builds, before it is frozen into a `PickleValue`.
///
/// Nodes live in one flat array and refer to each other by index, so a hostile pickle can make the graph
/// cyclic or a million levels deep without creating reference cycles or deep recursive deinitialisers.
struct PickleGraph {
    enum Node {
        /// Scalars, strings, bytes and globals: complete when created.
        case value(PickleValue)
        case tuple([Int])
        case frozenSet([Int])
        case container(Container)
        case persistentID(Int)
    }

    /// A node opcodes keep mutating after it was memoised (APPEND, SETITEMS, ADDITEMS, BUILD).
    final class Container {
        enum Kind {
            case list, dict, set
            /// REDUCE/NEWOBJ/NEWOBJ_EX: `callee(*args, **kwargs)`, recorded not run.
            case call(callee: Int, args: Int, kwargs: Int?, construction: PickleObject.Construction)
        }

        let kind: Kind
        var items: [Int] = []
        var keys: [Int] = []
        var values: [Int] = []
        var state: Int?

        init(_ kind: Kind) { self.kind = kind }

        var acceptsItems: Bool {
            switch kind {
            case .list, .set, .call: return true
            case .dict: return false
            }
        }

        var acceptsPairs: Bool {
            switch kind {
            case .dict, .call: return true
            case .list, .set: return false
            }
        }
    }

    private(set) var nodes: [Node] = []
    /// The byte offset of the opcode that created each node, for error messages.
    private(set) var offsets: [Int] = []

    mutating func add(_ node: Node, at offset: Int) -> Int {
        nodes.append(node)
        offsets.append(offset)
        return nodes.count - 1
    }

    subscript(ref: Int) -> Node { nodes[ref] }

    func container(_ ref: Int) -> Container? {
        if case let .container(container) = nodes[ref] { return container }
        return nil
    }

    /// What a node is, for error messages.
    func kindName(_ ref: Int) -> String {
        switch nodes[ref] {
        case let .value(value): return value.kindName
        case .tuple: return "tuple"
        case .frozenSet: return "frozenset"
        case .persistentID: return "persistent id"
        case let .container(container):
            switch container.kind {
            case .list: return "list"
            case .dict: return "dict"
            case .set: return "set"
            case .call: return "object"
            }
        }
    }
}
