import Pickle

/// Finds the weights in a checkpoint's object tree: a bare state dict, Lightning's `state_dict`, or Megatron's
/// `model` (nested module dicts flattened with "."), plus Megatron's `checkpoint_version` and `args`.
struct TorchWeights {
    let location: String
    let tensors: [(name: String, tensor: TorchTensorRef)]
    let checkpointVersion: Double?
    let megatronArgs: [String: PickleValue]

    init(root: PickleValue) throws(TorchCheckpointError) {
        guard let top = root.dictValue else { throw .notAStateDict(found: root.kindName) }
        let weights: PickleDict
        if let stateDict = top["state_dict"]?.dictValue {
            (location, weights) = ("state_dict (Lightning)", stateDict)
        } else if let model = top["model"]?.dictValue, model["language_model"] != nil || TorchWeights.holdsTensors(model) {
            (location, weights) = ("model (Megatron)", model)
        } else {
            (location, weights) = ("top-level state dict", top)
        }
        var found: [(String, TorchTensorRef)] = []
        TorchWeights.flatten(weights, prefix: "", into: &found)
        guard !found.isEmpty else { throw .noTensors(location: location) }
        tensors = found
        checkpointVersion = top["checkpoint_version"]?.doubleValue
        var args: [String: PickleValue] = [:]
        if case let .object(namespace)? = top["args"], let state = namespace.state?.dictValue {
            for entry in state.entries {
                if let key = entry.key.stringValue { args[key] = entry.value }
            }
        }
        megatronArgs = args
    }

    /// Tensors directly in `dict` or in dicts nested under it; other values (e.g. `_extra_state`) are skipped.
    private static func flatten(_ dict: PickleDict, prefix: String, into found: inout [(String, TorchTensorRef)]) {
        for entry in dict.entries {
            let key: String
            switch entry.key {
            case let .string(text): key = text
            case let .int(number): key = String(number)
            default: continue
            }
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch entry.value {
            case let .tensor(tensor): found.append((name, tensor))
            case let .dict(nested): flatten(nested, prefix: name, into: &found)
            default: continue
            }
        }
    }

    private static func holdsTensors(_ dict: PickleDict) -> Bool {
        var found: [(String, TorchTensorRef)] = []
        flatten(dict, prefix: "", into: &found)
        return !found.isEmpty
    }

    /// Every tensor in the tree with its path: dict keys, list/tuple indices, and an object's args/state/items.
    static func tensorPaths(in root: PickleValue) -> [(String, TorchTensorRef)] {
        var found: [(String, TorchTensorRef)] = []
        func walk(_ value: PickleValue, _ path: String) {
            func join(_ component: String) -> String { path.isEmpty ? component : path + "." + component }
            switch value {
            case let .tensor(tensor): found.append((path, tensor))
            case let .dict(dict):
                for entry in dict.entries {
                    walk(entry.value, join(TorchWeights.component(entry.key)))
                }
            case let .list(items), let .tuple(items), let .set(items), let .frozenSet(items):
                for (index, item) in items.enumerated() { walk(item, join(String(index))) }
            case let .object(object):
                for (index, item) in object.args.enumerated() { walk(item, join("args.\(index)")) }
                if let state = object.state { walk(state, join("state")) }
                for (index, item) in object.listItems.enumerated() { walk(item, join(String(index))) }
                for entry in object.dictItems { walk(entry.value, join(TorchWeights.component(entry.key))) }
            default: return
            }
        }
        walk(root, "")
        return found
    }

    private static func component(_ key: PickleValue) -> String {
        switch key {
        case let .string(text): return text
        case let .int(number): return String(number)
        default: return "<\(key.kindName)>"
        }
    }
}
