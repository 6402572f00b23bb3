/// `decant inspect` end to end: the JSON document on every kind of input against values written by torch, numpy and
/// the fixture generators, the refusal of malicious pickles, and the one-line failure contract.
import Foundation
import Testing

/// Runs `decant inspect … --json` and parses the document.
func inspectJSON(_ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let run = try decant(arguments: ["inspect"] + arguments + ["--json"])
    #expect(run.status == 0, "stderr: \(run.stderr)", sourceLocation: sourceLocation)
    return try #require(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], sourceLocation: sourceLocation)
}

func fixtureJSON(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: fixtures.appendingPathComponent(path))
    return try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
}

func tensorRows(_ document: [String: Any]) -> [[String: Any]] { document["tensors"] as? [[String: Any]] ?? [] }

@Suite("decant inspect")
struct InspectCLITests {
    static let nemoFixtures = ["qa_megatron_tiny_nemo1.0style_v0layout.nemo", "qa_megatron_tiny_nemo1.10style_v2layout.nemo"]

    @Test("a .nemo: naming, sizes and QKV layout as expected_outputs.json states them", arguments: nemoFixtures)
    func nemoModel(fixture: String) throws {
        let expected = try #require(try fixtureJSON("nemo/expected_outputs.json")[fixture] as? [String: Any])
        let report = try inspectJSON(fixtures.appendingPathComponent("nemo/" + fixture).path)
        let model = try #require(report["model"] as? [String: Any])
        #expect(model["naming"] as? String == expected["naming"] as? String)
        #expect(model["layers"] as? Int == expected["num_layers"] as? Int)
        #expect(model["hidden"] as? Int == expected["hidden_size"] as? Int)
        #expect(model["heads"] as? Int == expected["num_attention_heads"] as? Int)
        #expect(model["vocab"] as? Int == expected["vocab_size"] as? Int)
        #expect(model["vocabPadded"] as? Int == expected["padded_vocab_size"] as? Int)
        #expect(model["positions"] as? Int == expected["max_position_embeddings"] as? Int)
        #expect(model["layerNormEps"] as? Double == expected["layernorm_epsilon"] as? Double)
        #expect(model["ffn"] as? Int == 4 * (expected["hidden_size"] as? Int ?? 0))
        #expect(model["family"] as? String == "megatron-bert-qa")
        // "v0 [3][heads][head_dim]" → "v0".
        let layout = (expected["qkv_layout"] as? String)?.split(separator: " ").first.map(String.init)
        #expect(model["qkvLayout"] as? String == layout)
        #expect((model["qkvLayoutRule"] as? String)?.isEmpty == false)

        let gzip = fixture.contains("nemo1.0style")
        #expect((report["layers"] as? [String])?.first == (gzip ? "NeMo archive, tar.gz" : "NeMo archive, tar"))
        let nemo = try #require((report["metadata"] as? [String: Any])?["nemo"] as? [String: Any])
        #expect(nemo["vocabSize"] as? Int == expected["vocab_size"] as? Int)
        #expect(report["stats"] == nil, "statistics only when asked for")
    }

    @Test("a .nemo's tensor table matches torch's names, dtypes and shapes; --stats matches torch's sums", arguments: nemoFixtures)
    func nemoTensors(fixture: String) throws {
        let torch = try #require((try fixtureJSON("expected/torch_samples.json")["nemo"] as? [String: Any])?[fixture] as? [String: Any])
        let expected = try #require(torch["tensors"] as? [[String: Any]])
        let report = try inspectJSON(fixtures.appendingPathComponent("nemo/" + fixture).path, "--stats")
        let rows = tensorRows(report)
        #expect(rows.map { $0["name"] as? String } == expected.map { $0["name"] as? String })
        for (row, truth) in zip(rows, expected) {
            let shape = try #require(truth["shape"] as? [Int])
            let count = shape.reduce(1, *)
            #expect(row["shape"] as? [Int] == shape)
            #expect(row["dtype"] as? String == "f32")
            #expect(row["bytes"] as? Int == 4 * count)
            let stats = try #require(row["stats"] as? [String: Any])
            let sum = try #require(truth["sum"] as? Double), squares = try #require(truth["sum_of_squares"] as? Double)
            let mean = sum / Double(count)
            let std = max(0, squares / Double(count) - mean * mean).squareRoot()
            let reportedMean = try #require(stats["mean"] as? Double), reportedStd = try #require(stats["std"] as? Double)
            #expect(abs(reportedMean - mean) <= 1e-9 * max(1, std), "\(row["name"]!): mean \(reportedMean) vs \(mean)")
            #expect(abs(reportedStd - std) <= 1e-6 * max(std, 1e-12), "\(row["name"]!): std \(reportedStd) vs \(std)")
        }
    }

    @Test("the sample .tlt with --key tlt_encode: EFF → tar.gz → torch zip → pickle, with the manifest")
    func tlt() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/qa_megatron_tiny.tlt").path
        let report = try inspectJSON(path, "--key", "tlt_encode")
        let layers = try #require(report["layers"] as? [String])
        #expect(layers.count == 4)
        #expect(layers[0].hasPrefix("EFF v3") && layers[1] == "tar.gz" && layers[2].hasPrefix("torch zip") && layers[3].hasPrefix("pickle"))
        let eff = try #require((report["metadata"] as? [String: Any])?["eff"] as? [String: Any])
        let artifacts = try #require(eff["artifacts"] as? [[String: Any]])
        #expect(artifacts.contains { $0["name"] as? String == "model_weights.ckpt" && $0["codec"] != nil && $0["sha256"] != nil })
        #expect((report["model"] as? [String: Any])?["naming"] as? String == "nemo1.0")
        #expect(tensorRows(report).count == 31)
    }

    @Test("the sample .tlt with a wrong key: one error line, exit 1")
    func tltWrongKey() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("samples/qa_megatron_tiny.tlt").path
        let run = try decant(arguments: ["inspect", path, "--key", "tao-encode"])
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.hasPrefix("error: wrong load key"), "stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test("torch samples: every tensor torch sees, in order, with dtype and shape; no known architecture",
          arguments: ["zip_fp32_state_dict.pt", "legacy_fp32_state_dict.pt", "zip_dtypes.pt", "legacy_dtypes.pt",
                      "zip_shared_views.pt", "tar_format_handmade.pt", "zip_fp32_state_dict_protocol4.pt"])
    func torchSample(file: String) throws {
        let truth = try #require((try fixtureJSON("expected/torch_samples.json")["files"] as? [String: Any])?[file] as? [String: Any])
        let order = try #require(truth["tensor_order"] as? [String])
        let tensors = try #require(truth["tensors"] as? [String: [String: Any]])
        let report = try inspectJSON(fixtures.appendingPathComponent("torch/" + file).path)
        let rows = tensorRows(report)
        #expect(rows.map { $0["name"] as? String } == order)
        let dtypeNames = ["float64": "f64", "float32": "f32", "float16": "f16", "bfloat16": "bf16", "int64": "i64",
                          "int32": "i32", "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "bool"]
        for row in rows {
            let expected = try #require(tensors[row["name"] as? String ?? ""])
            #expect(row["shape"] as? [Int] == expected["shape"] as? [Int])
            #expect(row["dtype"] as? String == dtypeNames[expected["dtype"] as? String ?? ""])
        }
        #expect(report["model"] == nil)
        #expect((report["modelError"] as? String)?.hasPrefix("no known architecture") == true)
    }

    @Test("files peers accept read like their common twins: a deflated torch zip, a v7-header .nemo",
          arguments: [("torch/zip_dtypes_deflated.pt", "torch/zip_dtypes.pt"),
                      ("nemo/qa_megatron_tiny_nemo1.10style_v2layout_v7.nemo", "nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo")])
    func compatibleTwins(file: String, twin: String) throws {
        let report = try inspectJSON(fixtures.appendingPathComponent(file).path, "--stats")
        let original = try inspectJSON(fixtures.appendingPathComponent(twin).path, "--stats")
        #expect(NSDictionary(dictionary: ["t": tensorRows(report)]) == NSDictionary(dictionary: ["t": tensorRows(original)]))
        #expect(report["layers"] as? [String] == original["layers"] as? [String])
    }

    @Test("safetensors 8-bit floats (F8_E4M3, F8_E5M2, F8_E8M0) are listed and measured, every one of their 256 codes")
    func float8Safetensors() throws {
        let report = try inspectJSON(fixtures.appendingPathComponent("safetensors/f8_dtypes.safetensors").path, "--stats")
        let rows = tensorRows(report)
        #expect(rows.map { $0["dtype"] as? String } == ["f8_e4m3", "f8_e5m2", "f8_e8m0", "f32"])
        func stats(_ name: String) throws -> [String: Any] {
            try #require(rows.first { $0["name"] as? String == name }?["stats"] as? [String: Any])
        }
        let e4m3 = try stats("e4m3"), e5m2 = try stats("e5m2"), e8m0 = try stats("e8m0")
        #expect(e4m3["nan"] as? Int == 2 && e4m3["min"] as? Double == -448 && e4m3["max"] as? Double == 448)
        #expect(e5m2["nan"] as? Int == 6 && e5m2["positiveInfinity"] as? Int == 1 && e5m2["negativeInfinity"] as? Int == 1)
        #expect(e5m2["min"] as? Double == -57344 && e5m2["max"] as? Double == 57344)
        // Foundation's JSON number parsing is not exact for every double: compare 2^±127 to 12 digits.
        func near(_ value: Any?, _ expected: Double) -> Bool { abs(((value as? Double) ?? 0) / expected - 1) < 1e-12 }
        #expect(e8m0["nan"] as? Int == 1 && near(e8m0["min"], 0x1p-127) && near(e8m0["max"], 0x1p127))
        let text = try decant("inspect", fixtures.appendingPathComponent("safetensors/f8_dtypes.safetensors").path)
        #expect(text.status == 0)
        #expect(text.stdout.contains("tensors: 4 (1 f32, 1 f8_e4m3, 1 f8_e5m2, 1 f8_e8m0)"))
    }

    @Test("--stats against numpy: f32 with a large mean, f16/bf16 with NaN and ±inf, all-NaN, f64, int64, strided, empty")
    func statsAgainstNumpy() throws {
        let expected = try fixtureJSON("inspect/stats_expected.json")
        let report = try inspectJSON(fixtures.appendingPathComponent("inspect/stats_samples.pt").path, "--stats")
        let rows = tensorRows(report)
        #expect(rows.count == expected.count)
        var totalNaN = 0
        for row in rows {
            let name = try #require(row["name"] as? String)
            let truth = try #require(expected[name] as? [String: Any])
            let stats = try #require(row["stats"] as? [String: Any], "\(name) has no stats")
            for key in ["elements", "finite", "nan"] { #expect(stats[key] as? Int == truth[key] as? Int, "\(name) \(key)") }
            #expect(stats["positiveInfinity"] as? Int == truth["positive_infinity"] as? Int, "\(name)")
            #expect(stats["negativeInfinity"] as? Int == truth["negative_infinity"] as? Int, "\(name)")
            totalNaN += truth["nan"] as? Int ?? 0
            let spread = truth["std"] as? Double ?? 0
            for key in ["min", "max", "mean", "std"] {
                guard let want = truth[key] as? Double else {
                    #expect(stats[key] == nil, "\(name) \(key) should be absent")
                    continue
                }
                let got = try #require(stats[key] as? Double, "\(name) \(key)")
                let tolerance = key == "min" || key == "max" ? 0 : 1e-9 * max(spread, abs(want) * 1e-3, 1e-300)
                #expect(abs(got - want) <= tolerance, "\(name) \(key): \(got) vs numpy \(want)")
            }
        }
        #expect((report["stats"] as? [String: Any])?["nan"] as? Int == totalNaN)
    }

    @Test("--tensor: one tensor with statistics and its first values (NaN written as \"nan\")")
    func tensorDetail() throws {
        let expected = try #require(try fixtureJSON("inspect/stats_expected.json")["f16_nonfinite"] as? [String: Any])
        let report = try inspectJSON(fixtures.appendingPathComponent("inspect/stats_samples.pt").path, "--tensor", "f16_nonfinite")
        let rows = tensorRows(report)
        #expect(rows.count == 1)
        let values = try #require(rows.first?["firstValues"] as? [Any])
        #expect(values.count == 16)
        let want = try #require(expected["first_values"] as? [Any])
        #expect(values.first as? String == "nan" && want.first as? String == "nan")
        #expect(Array(values[1..<4]).compactMap { $0 as? Double } == Array(want[1..<4]).compactMap { $0 as? Double })
        #expect((rows.first?["stats"] as? [String: Any])?["nan"] as? Int == 1)

        let text = try decant(arguments: ["inspect", fixtures.appendingPathComponent("inspect/stats_samples.pt").path, "--tensor", "f32_transposed"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("first values of f32_transposed: ["))
    }

    @Test("--tensor with a name the file does not have: one error line, exit 1")
    func tensorMissing() throws {
        let run = try decant(arguments: ["inspect", fixtures.appendingPathComponent("inspect/stats_samples.pt").path, "--tensor", "nope"])
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1)
        #expect(run.stderr.contains("expected a tensor named nope") && run.stderr.contains("9 tensors"), "stderr: \(run.stderr)")
    }

    @Test("a checkpoint whose pickle calls os.system: refused by name and place; --allow-opaque shows it; nothing runs")
    func maliciousPickle() throws {
        let marker = "/tmp/decant_malicious_pickle_ran"
        try? FileManager.default.removeItem(atPath: marker)
        let path = fixtures.appendingPathComponent("inspect/malicious_callback.pt").path
        let refused = try decant(arguments: ["inspect", path])
        #expect(refused.status == 1)
        #expect(refused.stderrLines.count == 1)
        #expect(refused.stderr.contains("posix.system") && refused.stderr.contains("under callback"), "stderr: \(refused.stderr)")
        #expect(refused.stdout.isEmpty)

        let shown = try inspectJSON(path, "--allow-opaque")
        #expect(tensorRows(shown).map { $0["name"] as? String } == ["w"])
        #expect((shown["modelError"] as? String)?.hasPrefix("no known architecture") == true)
        #expect(!FileManager.default.fileExists(atPath: marker), "the pickle's command ran")
    }

    @Test("the bare malicious pickles are refused too (not a checkpoint, and never executed)",
          arguments: ["os_system.pkl", "builtins_eval.pkl", "subprocess_popen.pkl", "posix_system_stack_global.pkl"])
    func barePickles(file: String) throws {
        let marker = "/tmp/decant_malicious_pickle_ran"
        try? FileManager.default.removeItem(atPath: marker)
        let run = try decant(arguments: ["inspect", fixtures.appendingPathComponent("malicious/" + file).path, "--allow-opaque"])
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1 && run.stderr.hasPrefix("error: "))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("a file that does not exist: one error line naming it")
    func missingFile() throws {
        let run = try decant(arguments: ["inspect", "/nonexistent/model.nemo"])
        #expect(run.status == 1)
        #expect(run.stderrLines.count == 1 && run.stderr.contains("/nonexistent/model.nemo"))
    }

    @Test("text output: the layers line and the model line")
    func text() throws {
        let run = try decant(arguments: ["inspect", fixtures.appendingPathComponent("nemo/qa_megatron_tiny_nemo1.10style_v2layout.nemo").path])
        #expect(run.status == 0)
        #expect(run.stdout.contains("layers: NeMo archive, tar → torch zip (prefix model_weights/) → pickle protocol 2"))
        #expect(run.stdout.contains("naming nemo1.10; QKV layout v2"))
    }
}
