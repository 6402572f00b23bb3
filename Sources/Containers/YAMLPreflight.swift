/// Bounds a YAML document from an untrusted archive (EFF `manifest.yaml`, NeMo `model_config.yaml`) before Yams
/// builds it: Yams composes recursively, one stack frame per nesting level (a 50,000-deep `[[[…` overflows the
/// stack), and it resolves an alias by copying the anchored node, so a billion-laughs document is exponential for
/// anyone who walks it. libyaml's event parser is iterative, so one pass over its events measures both safely.
import CYaml

public enum YAMLPreflight {
    /// Real manifests and NeMo configs nest 4 to 6 deep.
    public static let maximumDepth = 64
    /// Nodes after expanding every alias; a NeMo config has a few hundred.
    public static let maximumExpandedNodes = 1_000_000

    /// Why `text` is refused, or nil when it is within bounds (syntax errors are left to the real parser).
    public static func refusal(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return "the YAML parser could not start" }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> String? in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // Expanded node counts of the open collections (innermost last) and of every anchor defined so far.
            var open: [(count: Int, anchor: String?)] = []
            var anchors: [String: Int] = [:]
            var total = 0
            func add(_ nodes: Int) -> Bool {
                total += nodes
                if let last = open.indices.last { open[last].count += nodes }
                return total <= maximumExpandedNodes
            }
            func name(_ anchor: UnsafeMutablePointer<yaml_char_t>?) -> String? {
                anchor.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            }
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    if let anchor = name(event.data.scalar.anchor) { anchors[anchor] = 1 }
                    guard add(1) else { return expansionRefusal }
                case YAML_ALIAS_EVENT:
                    // An unknown alias is a syntax error for Yams to report.
                    guard add(name(event.data.alias.anchor).flatMap { anchors[$0] } ?? 1) else { return expansionRefusal }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT
                        ? name(event.data.sequence_start.anchor) : name(event.data.mapping_start.anchor)
                    open.append((count: 0, anchor: anchor))
                    guard open.count <= maximumDepth else { return "nesting deeper than \(maximumDepth) levels" }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    guard let closed = open.popLast() else { return nil }
                    if let anchor = closed.anchor { anchors[anchor] = closed.count + 1 }
                    // The collection's own node; its children were counted as they came.
                    total -= closed.count
                    guard add(closed.count + 1) else { return expansionRefusal }
                default:
                    continue
                }
            }
        }
    }

    private static let expansionRefusal = "more than \(maximumExpandedNodes) nodes once aliases are expanded"
}
