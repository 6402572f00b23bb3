import Megatron
import Tensors
import Testing

/// Every canonical query/key/value row must come from the fused row §2.4 of the reference names, per layout.
@Suite struct QKVSplitTests {
    @Test(arguments: QKVLayout.allCases)
    func weightsAndBiasesLandWhereTheReferenceSays(layout: QKVLayout) throws {
        var model = SyntheticMegatron()
        model.layout = layout
        let tensors = model.tensors
        var hints = model.hints
        hints.qkvLayout = Sourced(layout, source: "test")
        let architecture = try MegatronArchitecture.detect(tensors: tensors, hints: hints)
        #expect(architecture.qkvLayout == layout)
        let plan = try MegatronMapping.plan(tensors: tensors.signatures, architecture: architecture)

        for layer in 0..<model.layers {
            for (j, part) in ["query", "key", "value"].enumerated() {
                let weightPlan = try #require(plan.tensors.first { $0.name == "bert.encoder.layer.\(layer).attention.self.\(part).weight" })
                let biasPlan = try #require(plan.tensors.first { $0.name == "bert.encoder.layer.\(layer).attention.self.\(part).bias" })
                let weight = try MegatronMapping.materialize(weightPlan, source: try #require(tensors.named(weightPlan.sourceNames[0])))
                let bias = try MegatronMapping.materialize(biasPlan, source: try #require(tensors.named(biasPlan.sourceNames[0])))
                #expect(weight.shape == [model.hidden, model.hidden])
                #expect(bias.shape == [model.hidden])
                let w = try weight.toFloat32()
                let b = try bias.toFloat32()
                for i in 0..<model.heads {
                    for e in 0..<model.headDim {
                        let row = i * model.headDim + e
                        for c in 0..<model.hidden {
                            #expect(w[row * model.hidden + c] == SyntheticMegatron.code(part: j, head: i, element: e, column: c))
                        }
                        #expect(b[row] == SyntheticMegatron.code(part: j, head: i, element: e, column: 99))
                    }
                }
            }
        }
    }

    @Test(arguments: [QKVLayout.v0, .v1])
    func blockAndStridedLayoutsAreZeroCopyViews(layout: QKVLayout) throws {
        var model = SyntheticMegatron()
        model.layout = layout
        let tensors = model.tensors
        var hints = model.hints
        hints.qkvLayout = Sourced(layout, source: "test")
        let architecture = try MegatronArchitecture.detect(tensors: tensors, hints: hints)
        let plan = try MegatronMapping.plan(tensors: tensors.signatures, architecture: architecture)
        let keyPlan = try #require(plan.tensors.first { $0.name == "bert.encoder.layer.0.attention.self.key.weight" })
        let source = try #require(tensors.named(keyPlan.sourceNames[0]))
        let key = try MegatronMapping.materialize(keyPlan, source: source)
        #expect(key.storage.buffer.baseAddress == source.storage.buffer.baseAddress)
        #expect(key.isContiguous == (layout == .v0))
    }

    /// v2 interleaves heads; the gather must also work when the source rows are not packed.
    @Test func v2GathersFromPaddedRows() throws {
        let (heads, d, cols) = (2, 2, 3)
        let rowStride = cols + 1
        let hidden = heads * d
        var values = [Float](repeating: -1, count: 3 * hidden * rowStride)
        for j in 0..<3 { for i in 0..<heads { for e in 0..<d { for c in 0..<cols {
            values[(i * 3 * d + j * d + e) * rowStride + c] = SyntheticMegatron.code(part: j, head: i, element: e, column: c)
        } } } }
        let fused = SyntheticMegatron.f32("qkv", [3 * hidden, cols], values, strides: [rowStride, 1])
        let plan = CanonicalTensorPlan(name: "value", shape: [hidden, cols], dtype: .f32, sourceNames: ["qkv"],
                                       transform: .qkvSplit(part: .value, layout: .v2, heads: heads))
        let value = try MegatronMapping.materialize(plan, source: fused).toFloat32()
        for i in 0..<heads { for e in 0..<d { for c in 0..<cols {
            #expect(value[(i * d + e) * cols + c] == SyntheticMegatron.code(part: 2, head: i, element: e, column: c))
        } } }
    }

    @Test func rowFormulaTableMatchesReferenceFormulas() {
        let (n, d) = (3, 4)
        let model: (QKVLayout) -> SyntheticMegatron = { layout in
            var m = SyntheticMegatron()
            (m.layout, m.heads, m.hidden) = (layout, n, n * d)
            return m
        }
        for layout in QKVLayout.allCases {
            var rows = Set<Int>()
            for part in QKVPart.allCases { for i in 0..<n { for e in 0..<d {
                let row = layout.fusedRow(part: part, head: i, element: e, heads: n, headDim: d)
                #expect(row == model(layout).referenceFusedRow(part: part.rawValue, head: i, element: e))
                rows.insert(row)
            } } }
            #expect(rows == Set(0..<(3 * n * d)), "layout \(layout) must be a permutation of the fused rows")
        }
    }

    @Test func checkpointVersionsMapToLayouts() {
        #expect(QKVLayout(checkpointVersion: 0) == .v0)
        #expect(QKVLayout(checkpointVersion: 1) == .v1)
        #expect(QKVLayout(checkpointVersion: 2) == .v2)
        #expect(QKVLayout(checkpointVersion: 3) == .v2)
        #expect(QKVLayout(checkpointVersion: 1.5) == nil)
    }
}
