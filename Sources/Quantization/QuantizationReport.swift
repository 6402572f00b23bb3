import Bytes
import CKernels
import JSON

/// How far one tensor's stored values are from the f32 originals.
public struct QuantizationMeasurement: Sendable, Equatable {
    public var name: String
    public var storage: StorageType
    /// ‖x − x̂‖ / ‖x‖ over finite originals: 0 when both are zero, +inf when x is zero but x̂ is not or a value
    /// overflowed.
    public var relativeRMS: Double
    public var maxAbsError: Double
    /// Finite originals that became ±inf (f16/bf16 overflow).
    public var overflowCount: Int
    public var comparedCount: Int
    /// Originals that were NaN or ±inf and kept as such (not compared).
    public var nonFiniteCount: Int

    public init(name: String, storage: StorageType, relativeRMS: Double, maxAbsError: Double, overflowCount: Int = 0,
                comparedCount: Int, nonFiniteCount: Int = 0) {
        self.name = name
        self.storage = storage
        self.relativeRMS = relativeRMS
        self.maxAbsError = maxAbsError
        self.overflowCount = overflowCount
        self.comparedCount = comparedCount
        self.nonFiniteCount = nonFiniteCount
    }

    init(name: String, storage: StorageType, totals: decant_error_totals) {
        let error = totals.sum_squared_error.squareRoot(), reference = totals.sum_squared_reference.squareRoot()
        let relative = reference > 0 ? error / reference : (error == 0 ? 0 : Double.infinity)
        self.init(name: name, storage: storage, relativeRMS: relative, maxAbsError: totals.max_abs_error,
                  comparedCount: Int(totals.compared), nonFiniteCount: Int(totals.skipped))
    }
}

/// Per-tensor errors of a conversion, worst first, as a text table or JSON.
public struct QuantizationReport: Sendable, Equatable {
    /// Sorted by relative RMS error, then max abs error, descending (NaN first: it is the worst news), then name.
    public let measurements: [QuantizationMeasurement]

    public init(_ measurements: [QuantizationMeasurement]) {
        self.measurements = measurements.sorted { a, b in
            let ka = (a.relativeRMS.isNaN ? .infinity : a.relativeRMS, a.maxAbsError.isNaN ? .infinity : a.maxAbsError)
            let kb = (b.relativeRMS.isNaN ? .infinity : b.relativeRMS, b.maxAbsError.isNaN ? .infinity : b.maxAbsError)
            if ka != kb { return ka > kb }
            return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
        }
    }

    public var totalOverflows: Int { measurements.reduce(0) { $0 + $1.overflowCount } }

    /// A fixed-width table; `limit` keeps only the worst rows. Names are escaped for display.
    public func table(limit: Int? = nil) -> String {
        let rows = measurements.prefix(limit ?? measurements.count)
        let names = rows.map(\.name.escapedForDisplay)
        let nameWidth = max(6, names.map(\.count).max() ?? 0)
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
        var lines = [pad("tensor", nameWidth) + "  storage  " + pad("rel RMS", 10, right: true) + "  " + pad("max |err|", 10, right: true) + "  " + pad("overflows", 9, right: true)]
        for (m, name) in zip(rows, names) {
            lines.append(pad(name, nameWidth) + "  " + pad(m.storage.rawValue, 7) + "  " + pad(percent(m.relativeRMS), 10, right: true) + "  "
                + pad(scientific(m.maxAbsError), 10, right: true) + "  " + pad(String(m.overflowCount), 9, right: true))
        }
        if rows.count < measurements.count { lines.append("… \(measurements.count - rows.count) more tensors") }
        return lines.joined(separator: "\n")
    }

    /// `{"tensors": [{"name", "storage", "relative_rms", "max_abs_error", "overflow_count", "compared_count",
    /// "non_finite_count"}, …]}`, worst first; a non-finite error is written as `null`.
    public func json() -> String {
        func number(_ value: Double) -> JSONValue { value.isFinite ? .double(value) : .null }
        let tensors: [JSONValue] = measurements.map { m in
            .object([
                "name": .string(m.name), "storage": .string(m.storage.rawValue),
                "relative_rms": number(m.relativeRMS), "max_abs_error": number(m.maxAbsError),
                "overflow_count": .integer(m.overflowCount), "compared_count": .integer(m.comparedCount),
                "non_finite_count": .integer(m.nonFiniteCount),
            ])
        }
        let document = JSONValue.object(["tensors": .array(tensors)])
        return try! document.serialized()  // every double was checked finite above
    }
}

private func percent(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    let hundredths = (value * 10000).rounded()
    return "\(Int(hundredths) / 100).\(String(Int(hundredths) % 100).leftPadded(to: 2))%"
}

private func scientific(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
    guard value > 0 else { return "0" }
    var exponent = 0
    var mantissa = value
    while mantissa >= 10 { mantissa /= 10; exponent += 1 }
    while mantissa < 1 { mantissa *= 10; exponent -= 1 }
    var scaled = Int((mantissa * 100).rounded())
    if scaled == 1000 { scaled = 100; exponent += 1 }
    return "\(scaled / 100).\(String(scaled % 100).leftPadded(to: 2))e\(exponent)"
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
