import Containers
import Yams

/// A parsed YAML or JSON document (OmegaConf's `model_config.yaml`, an encoder_config.json) as inert values.
///
/// Scalars keep their text as written so nothing is lost to YAML 1.1 typing quirks (OmegaConf writes `1.0e-05`,
/// Megatron JSON writes `1e-05`); typed accessors parse on demand.
public indirect enum ConfigValue: Sendable, Equatable {
    case null
    case scalar(String)
    case list([ConfigValue])
    case map([String: ConfigValue])

    /// Parses YAML (JSON is YAML); `member` names the source in errors.
    public static func parse(_ text: String, member: String) throws(NemoError) -> ConfigValue {
        if let refusal = YAMLPreflight.refusal(text) { throw .badConfig(member: member, reason: refusal) }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw .badConfig(member: member, reason: "the parser says: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let node else { return .null }
        return ConfigValue(node)
    }

    init(_ node: Node) {
        switch node {
        case let .scalar(scalar):
            self = node.null != nil && scalar.style == .plain ? .null : .scalar(scalar.string)
        case let .sequence(sequence):
            self = .list(sequence.map(ConfigValue.init))
        case let .mapping(mapping):
            var entries: [String: ConfigValue] = [:]
            for (key, value) in mapping { entries[Self.keyText(key)] = ConfigValue(value) }
            self = .map(entries)
        }
    }

    /// A mapping key as YAML flow text: a complex key (`? [a, b]`) reads as `[a, b]`, not as a Swift dump of it.
    private static func keyText(_ node: Node) -> String {
        switch node {
        case let .scalar(scalar): return scalar.string
        case let .sequence(sequence): return "[" + sequence.map(keyText).joined(separator: ", ") + "]"
        case let .mapping(mapping): return "{" + mapping.map { keyText($0.key) + ": " + keyText($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// The value at a dotted path, e.g. `language_model.config.num_attention_heads`.
    public subscript(path: String) -> ConfigValue? {
        var current = self
        for key in path.split(separator: ".") {
            guard case let .map(entries) = current, let next = entries[String(key)] else { return nil }
            current = next
        }
        return current
    }

    public var string: String? {
        if case let .scalar(text) = self { return text }
        return nil
    }

    public var int: Int? { string.flatMap { Int($0) } }
    public var double: Double? { string.flatMap { Double($0) } }

    public var bool: Bool? {
        switch string?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// The scalar entries of a mapping as text (nested values left out), e.g. to feed `MegatronHints(settings:)`.
    public var scalars: [String: String] {
        guard case let .map(entries) = self else { return [:] }
        return entries.compactMapValues(\.string)
    }
}
