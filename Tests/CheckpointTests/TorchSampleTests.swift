import Bytes
import Checkpoint
import Containers
import Foundation
import Pickle
import Tensors
import Testing

/// Every torch sample file read by Decant equals what torch read from it (Tests/Fixtures/expected/torch_samples.json).
@Suite struct TorchSampleTests {
    @Test(arguments: TorchFixtures.sampleNames)
    func everyTensorMatchesTorchExactly(file: String) throws {
        let checkpoint = try TorchCheckpoint.read(try TorchFixtures.sample(file))
        let expected = TorchFixtures.expectation(file)
        let records = expected["tensors"] as! [String: [String: Any]]
        let all = try checkpoint.allTensors()
        #expect(all.map(\.name) == expected["tensor_order"] as! [String])
        for tensor in all {
            let record = try #require(records[tensor.name], "\(file): unexpected tensor \(tensor.name)")
            #expect(TorchFixtures.torchName(tensor.dtype) == record["dtype"] as! String, "\(file) \(tensor.name)")
            #expect(tensor.shape == record["shape"] as! [Int], "\(file) \(tensor.name)")
            #expect(tensor.strides == record["stride"] as! [Int], "\(file) \(tensor.name)")
            #expect(tensor.storageOffset == record["storage_offset"] as! Int, "\(file) \(tensor.name)")
            // Decimal strings (Python repr), parsed exactly: JSON number parsing is not exact on every platform.
            let values = (record["values"] as! [String]).map { Double($0)! }
            #expect(TorchFixtures.values(tensor) == values, "\(file) \(tensor.name)")
        }
    }

    @Test(arguments: TorchFixtures.sampleNames)
    func everyScalarMatchesTorch(file: String) throws {
        let checkpoint = try TorchCheckpoint.read(try TorchFixtures.sample(file))
        let scalars = TorchFixtures.expectation(file)["scalars"] as! [String: [String: Any]]
        for (path, record) in scalars {
            let value = try #require(TorchFixtures.value(at: path, in: checkpoint.root), "\(file): nothing at \(path)")
            #expect(TorchFixtures.matches(value, record), "\(file) \(path): \(value) vs \(record)")
        }
    }

    @Test(arguments: [
        ("zip_fp32_state_dict.pt", "top-level state dict", ["linear.weight", "linear.bias"]),
        ("legacy_fp32_state_dict.pt", "top-level state dict", ["linear.weight", "linear.bias"]),
        ("zip_lightning_like.ckpt", "state_dict (Lightning)", ["model.w", "model.b"]),
        ("legacy_lightning_like.ckpt", "state_dict (Lightning)", ["model.w", "model.b"]),
        ("zip_megatron_style_nested.pt", "model (Megatron)", [
            "language_model.embedding.word_embeddings.weight", "language_model.embedding.position_embeddings.weight",
            "language_model.embedding.tokentype_embeddings.weight",
            "language_model.transformer.layers.0.input_layernorm.weight",
            "language_model.transformer.layers.0.attention.query_key_value.weight",
            "language_model.transformer.final_layernorm.weight",
        ]),
        ("tar_format_handmade.pt", "top-level state dict", ["weight"]),
        ("zip_parameter.pt", "top-level state dict", ["param", "grad_tensor"]),
    ] as [(String, String, [String])])
    func weightsAreFoundWhereEachLayoutKeepsThem(file: String, location: String, names: [String]) throws {
        let checkpoint = try TorchCheckpoint.read(try TorchFixtures.sample(file))
        #expect(checkpoint.weightsLocation == location)
        #expect(checkpoint.tensors.map(\.name) == names)
    }

    @Test func megatronVersionAndArgsAreExposed() throws {
        let checkpoint = try TorchCheckpoint.read(try TorchFixtures.sample("zip_megatron_style_nested.pt"))
        #expect(checkpoint.megatronCheckpointVersion == 3.0)
        let args = TorchFixtures.expectation("zip_megatron_style_nested.pt")["megatron_args"] as! [String: [String: Any]]
        #expect(Set(checkpoint.megatronArgs.keys) == Set(args.keys))
        for (key, record) in args {
            #expect(TorchFixtures.matches(try #require(checkpoint.megatronArgs[key]), record), "\(key)")
        }
        #expect(checkpoint.megatronArgs["hidden_size"] == .int(64))
        #expect(try TorchCheckpoint.read(try TorchFixtures.sample("zip_fp32_state_dict.pt")).megatronCheckpointVersion == nil)
    }

    @Test func sharedStorageViewsAreZeroCopyWindowsOfOneRecord() throws {
        for file in ["zip_shared_views.pt", "legacy_shared_views.pt"] {
            let tensors = try TorchCheckpoint.read(try TorchFixtures.sample(file)).tensors
            let bases = Set(tensors.map { Int(bitPattern: $0.storage.buffer.baseAddress) })
            #expect(bases.count == 1, "\(file): every view shares one storage")
            #expect(tensors.first { $0.name == "transposed" }?.strides == [1, 4])
        }
    }

    @Test(arguments: [
        ("zip_fp32_state_dict.pt", TorchCheckpoint.Format.zip(prefix: "zip_fp32_state_dict/")),
        ("zip_via_bytesio.pt", .zip(prefix: "archive/")),
        ("legacy_dtypes.pt", .legacy),
        ("tar_format_handmade.pt", .tar),
    ] as [(String, TorchCheckpoint.Format)])
    func formatsAreSniffedAndConfirmed(file: String, format: TorchCheckpoint.Format) throws {
        let bytes = try TorchFixtures.sample(file)
        #expect(TorchCheckpoint.sniff(bytes) == format)
        #expect(try TorchCheckpoint.read(bytes).format == format)
    }

    @Test func layersDescribeContainerAndPickle() throws {
        let zip = try TorchCheckpoint.read(try TorchFixtures.sample("zip_fp32_state_dict_protocol4.pt"))
        #expect(zip.layers == ["torch zip (prefix zip_fp32_state_dict_protocol4/)",
                               "pickle protocol 4, 2 tensors in the top-level state dict"])
        let legacy = try TorchCheckpoint.read(try TorchFixtures.sample("legacy_lightning_like.ckpt"))
        #expect(legacy.layers == ["torch legacy stream (protocol 1001)",
                                  "pickle protocol 2, 2 tensors in the state_dict (Lightning)"])
    }

    @Test func nemoWeightsMatchTorchNamesShapesAndSums() throws {
        let nemo = TorchFixtures.expected["nemo"] as! [String: [String: Any]]
        // The two samples and the v7-header copy of the plain-tar one (Tools/make_compat_fixtures.py).
        #expect(nemo.count == 3)
        for (file, record) in nemo {
            let archive = try NemoArchive.open(try TorchFixtures.view("nemo/" + file))
            let checkpoint = try TorchCheckpoint.read(archive.weights)
            #expect(checkpoint.format == .zip(prefix: "model_weights/"))
            let expected = record["tensors"] as! [[String: Any]]
            #expect(checkpoint.tensors.map(\.name) == expected.map { $0["name"] as! String }, "\(file)")
            for (tensor, want) in zip(checkpoint.tensors, expected) {
                #expect(tensor.shape == want["shape"] as! [Int], "\(file) \(tensor.name)")
                #expect(TorchFixtures.torchName(tensor.dtype) == want["dtype"] as! String)
                let values = TorchFixtures.values(tensor)
                let sum = values.reduce(0, +), squares = values.reduce(0) { $0 + $1 * $1 }
                let wantSum = (want["sum"] as! NSNumber).doubleValue
                let wantSquares = (want["sum_of_squares"] as! NSNumber).doubleValue
                // Same float64 values, possibly summed in a different order.
                #expect(abs(sum - wantSum) <= 1e-9 * max(1, abs(wantSum)), "\(file) \(tensor.name)")
                #expect(abs(squares - wantSquares) <= 1e-9 * max(1, wantSquares), "\(file) \(tensor.name)")
            }
        }
    }
}

/// A torch zip re-packed with deflated entries (Tools/make_compat_fixtures.py), which torch.load reads too.
@Suite struct DeflatedTorchZipTests {
    @Test(arguments: ["zip_fp32_state_dict", "zip_dtypes"])
    func deflatedZipReadsAsItsStoredOriginal(name: String) throws {
        let stored = try TorchCheckpoint.read(try TorchFixtures.sample(name + ".pt"))
        let deflatedBytes = try TorchFixtures.sample(name + "_deflated.pt")
        let archive = try ZipArchive(deflatedBytes)
        #expect(archive.entries.allSatisfy { $0.method == 8 })
        let deflated = try TorchCheckpoint.read(deflatedBytes)
        #expect(deflated.format == stored.format)
        #expect(deflated.root == stored.root)
        let (a, b) = (try stored.allTensors(), try deflated.allTensors())
        #expect(a.map(\.name) == b.map(\.name))
        #expect(a.map(\.dtype) == b.map(\.dtype))
        #expect(a.map(\.shape) == b.map(\.shape))
        #expect(a.map { TorchFixtures.values($0) } == b.map { TorchFixtures.values($0) })
        // Stored records stay views of the file; inflated ones live in a mapped spool, 64-byte aligned.
        let file = deflatedBytes.buffer
        for tensor in b where tensor.storage.count > 0 {
            let start = tensor.storage.buffer.baseAddress!
            #expect(!(file.baseAddress! <= start && start < file.baseAddress! + file.count))
            #expect(Int(bitPattern: start) % 64 == 0)
        }
    }

    @Test func deflatedZipOpensAsAModelSource() throws {
        let source = try ModelSource.open(path: TorchFixtures.root.appendingPathComponent("torch/zip_fp32_state_dict_deflated.pt").path)
        let original = try ModelSource.open(path: TorchFixtures.root.appendingPathComponent("torch/zip_fp32_state_dict.pt").path)
        #expect(source.layers == original.layers)
        #expect(try source.tensors.map { try $0.toFloat32() } == original.tensors.map { try $0.toFloat32() })
    }
}

/// One storage key described twice, with two element types or sizes: torch would read every tensor of that key
/// through the first description.
@Suite struct ConflictingStorageTests {
    @Test func aStorageReadAsTwoDtypesIsRefused() throws {
        let bytes = try TorchFixtures.view("adversarial/torch/storage_read_as_two_dtypes.pt")
        #expect {
            try TorchCheckpoint.read(bytes)
        } throws: { error in
            guard case let .conflictingStorage(key, first, second, _, _)? = error as? PickleError else { return false }
            return key == "0" && first == "4 × int64" && second == "8 × float32"
        }
    }
}
